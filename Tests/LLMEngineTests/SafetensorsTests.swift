import Foundation
import LLMEngine
import Testing

@Suite("safetensors reader: valid files and a corpus of broken ones")
struct SafetensorsTests {
    /// Writes a file with this JSON header and `dataBytes` zero bytes after it.
    static func file(header: String, dataBytes: Int, rawHeaderSize: UInt64? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "candor-st-\(UUID().uuidString).safetensors")
        var data = Data()
        var json = Data(header.utf8)
        // Writers pad the header with spaces so the data section starts 8-byte aligned.
        if rawHeaderSize == nil { json.append(Data(repeating: 0x20, count: (8 - json.count % 8) % 8)) }
        var size = (rawHeaderSize ?? UInt64(json.count)).littleEndian
        withUnsafeBytes(of: &size) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(Data(repeating: 0, count: dataBytes))
        try data.write(to: url)
        return url
    }

    @Test("a valid file: tensors, shapes, byte ranges and typed access")
    func valid() throws {
        let url = try Self.file(header: #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F16","shape":[4],"data_offsets":[24,32]}}"#, dataBytes: 32)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafetensorsFile(url: url)
        #expect(file.tensors.keys.sorted() == ["a", "b"])
        #expect(file.tensors["a"]?.shape == [2, 3])
        #expect(file.bytes(of: file.tensors["b"]!).count == 8)
        _ = try file.float32("a", shape: [2, 3])
        #expect(throws: ModelFileError.self) { try file.float32("a", shape: [3, 2]) }
        #expect(throws: ModelFileError.self) { try file.float32("b", shape: [4]) }
        #expect(throws: ModelFileError.self) { try file.float32("missing", shape: [1]) }
    }

    @Test("broken files give an error naming the problem", arguments: [
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 4, nil, "outside the 4-byte data section"),
        (#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8, nil, "needs 12 bytes; data_offsets give 8"),
        (#"{"a":{"dtype":"Q9","shape":[2],"data_offsets":[0,8]}}"#, 8, nil, "dtype Q9"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, 8, nil, "outside"),
        (#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, 8, nil, "negative dimension"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, 8, nil, "data_offsets must be [begin, end]"),
        (#"{"a":{"dtype":"F32","shape":[2]}}"#, 8, nil, "missing 'data_offsets'"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12, nil, "overlap"),
        (#"{"a":{"dtype":"F32","shape":[4611686018427387904,8],"data_offsets":[0,8]}}"#, 8, nil, "too large"),
        ("not json", 0, nil, "not a JSON object"),
        (#"{"a":1}"#, 0, nil, "not a JSON object of tensor entries"),
        (#"{}"#, 0, 1 << 40, "exceeds"),
    ] as [(String, Int, UInt64?, String)])
    func broken(header: String, dataBytes: Int, rawHeaderSize: UInt64?, message: String) throws {
        let url = try Self.file(header: header, dataBytes: dataBytes, rawHeaderSize: rawHeaderSize)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            _ = try SafetensorsFile(url: url)
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains(url.lastPathComponent)
        }
    }

    @Test("a file shorter than the 8-byte size prefix, and a missing file")
    func tooShort() throws {
        let url = FileManager.default.temporaryDirectory.appending(path: "candor-st-\(UUID().uuidString)")
        try Data([1, 2, 3]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelFileError.self) { try SafetensorsFile(url: url) }
        #expect(throws: ModelFileError.self) { try SafetensorsFile(url: url.appending(path: "nope")) }
    }
}
