import Foundation

/// Writes small GGUF files byte by byte, so tests control every field.
struct GGUFBuilder {
    var version: UInt32 = 3
    var metadata: [(String, UInt32, [UInt8])] = []
    var tensors: [(name: String, shape: [UInt64], type: UInt32, offset: UInt64, data: [UInt8])] = []
    var alignment = 32

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    static func string(_ text: String) -> [UInt8] { le(UInt64(text.utf8.count)) + Array(text.utf8) }

    mutating func add(key: String, string value: String) { metadata.append((key, 8, Self.string(value))) }
    mutating func add(key: String, uint32 value: UInt32) { metadata.append((key, 4, Self.le(value))) }
    mutating func add(key: String, strings: [String]) {
        metadata.append((key, 9, Self.le(UInt32(8)) + Self.le(UInt64(strings.count)) + strings.flatMap(Self.string)))
    }

    /// Adds an F32 tensor with the given values, placed after the previous one.
    mutating func addF32(_ name: String, shape: [UInt64], values: [Float]) {
        let data = values.flatMap { Self.le($0.bitPattern) }
        let offset = tensors.last.map { ($0.offset + UInt64($0.data.count) + UInt64(alignment) - 1) / UInt64(alignment) * UInt64(alignment) } ?? 0
        tensors.append((name, shape, 0, offset, data))
    }

    func bytes() -> [UInt8] {
        var out = Array("GGUF".utf8) + Self.le(version) + Self.le(UInt64(tensors.count)) + Self.le(UInt64(metadata.count))
        for (key, type, value) in metadata { out += Self.string(key) + Self.le(type) + value }
        for tensor in tensors {
            out += Self.string(tensor.name) + Self.le(UInt32(tensor.shape.count)) + tensor.shape.flatMap(Self.le) + Self.le(tensor.type) + Self.le(tensor.offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataStart = out.count
        for tensor in tensors {
            let position = dataStart + Int(tensor.offset)
            if out.count < position { out += [UInt8](repeating: 0, count: position - out.count) }
            out += tensor.data
        }
        return out
    }

    static func valid() -> GGUFBuilder {
        var builder = GGUFBuilder()
        builder.add(key: "general.architecture", string: "llama")
        builder.add(key: "llama.block_count", uint32: 1)
        builder.add(key: "tokenizer.ggml.tokens", strings: ["a", "b", "天"])
        builder.addF32("token_embd.weight", shape: [4, 3], values: (0..<12).map(Float.init))
        builder.addF32("output_norm.weight", shape: [4], values: [1, 1, 1, 1])
        return builder
    }
}

extension Array where Element == UInt8 {
    func write() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "candor-gguf-\(UUID().uuidString).gguf")
        try Data(self).write(to: url)
        return url
    }
}
