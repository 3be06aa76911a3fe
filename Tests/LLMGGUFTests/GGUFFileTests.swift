import Foundation
import LLMGGUF
import Testing

@Suite("GGUF reader")
struct GGUFFileTests {
    @Test("a hand-built file parses: metadata of several types, tensors, data")
    func valid() throws {
        let url = try GGUFBuilder.valid().bytes().write()
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try GGUFFile(url: url)
        #expect(file.version == 3)
        #expect(file.metadataKeys == ["general.architecture", "llama.block_count", "tokenizer.ggml.tokens"])
        #expect(file.string("general.architecture") == "llama")
        #expect(file.int("llama.block_count") == 1)
        #expect(file.stringArray("tokenizer.ggml.tokens") == ["a", "b", "天"])
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.shape == [4, 3] && embedding.type == .f32 && embedding.byteCount == 48)
        let floats = Array(file.bytes(of: embedding).bindMemory(to: Float.self))
        #expect(floats == (0..<12).map(Float.init))
    }

    /// Each case breaks one thing; the error must say what, not crash.
    @Test("broken files give specific errors", arguments: [
        ("bad magic", { (b: inout [UInt8]) in b[0] = 0x58 }, "not a GGUF file"),
        ("version 1", { (b: inout [UInt8]) in b[4] = 1 }, "unsupported GGUF version 1"),
        ("huge metadata count", { (b: inout [UInt8]) in b[16..<24] = ArraySlice(GGUFBuilder.le(UInt64.max / 2)) }, "metadata count"),
        ("huge tensor count", { (b: inout [UInt8]) in b[8..<16] = ArraySlice(GGUFBuilder.le(UInt64(1) << 40)) }, "tensor count"),
        ("string past the end", { (b: inout [UInt8]) in b[24..<32] = ArraySlice(GGUFBuilder.le(UInt64(1) << 32)) }, "claims 4294967296 bytes"),
        ("truncated header", { (b: inout [UInt8]) in b.removeLast(b.count - 60) }, "truncated"),
        ("truncated data", { (b: inout [UInt8]) in b.removeLast(20) }, "extends past the end"),
    ] as [(String, @Sendable (inout [UInt8]) -> Void, String)])
    func broken(name: String, mutate: @Sendable (inout [UInt8]) -> Void, expected: String) throws {
        var bytes = GGUFBuilder.valid().bytes()
        mutate(&bytes)
        let url = try bytes.write()
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try GGUFFile(url: url)
            Issue.record("\(name): expected an error")
        } catch {
            #expect(error.description.contains(expected), "\(name): \(error)")
        }
    }

    @Test("structural problems: unknown value type, unknown tensor type, misaligned and overlapping tensors, duplicates")
    func structural() throws {
        func expectError(_ builder: GGUFBuilder, _ expected: String) throws {
            let url = try builder.bytes().write()
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(throws: GGUFError.self) { try GGUFFile(url: url) }
            do { _ = try GGUFFile(url: url) } catch { #expect(error.description.contains(expected), "\(error)") }
        }
        var unknownValue = GGUFBuilder.valid()
        unknownValue.metadata.append(("x", 99, [0]))
        try expectError(unknownValue, "unknown value type 99")
        var unknownTensor = GGUFBuilder.valid()
        unknownTensor.tensors[0].type = 77
        try expectError(unknownTensor, "unknown type 77")
        var misaligned = GGUFBuilder.valid()
        misaligned.tensors[1].offset = 50
        try expectError(misaligned, "not a multiple of the alignment")
        var overlapping = GGUFBuilder.valid()
        overlapping.tensors[1].offset = 32
        try expectError(overlapping, "overlap")
        var duplicateKey = GGUFBuilder.valid()
        duplicateKey.add(key: "general.architecture", string: "qwen2")
        try expectError(duplicateKey, "duplicate metadata key 'general.architecture'")
        var duplicateTensor = GGUFBuilder.valid()
        duplicateTensor.addF32("output_norm.weight", shape: [4], values: [1, 1, 1, 1])
        try expectError(duplicateTensor, "duplicate tensor name")
        var tooManyDimensions = GGUFBuilder.valid()
        tooManyDimensions.tensors[1].shape = [1, 1, 1, 1, 4]
        try expectError(tooManyDimensions, "5 dimensions")
    }

    @Test("seeded mutation fuzzing of the header never crashes or hangs: every mutant parses or throws")
    func fuzz() throws {
        let original = GGUFBuilder.valid().bytes()
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let headerLength = original.count - 64
        var parsed = 0, rejected = 0
        let url = FileManager.default.temporaryDirectory.appending(path: "candor-fuzz-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        for _ in 0..<2_000 {
            var mutant = original
            for _ in 0..<(1 + Int(next() % 4)) {
                let position = Int(next() % UInt64(headerLength))
                switch next() % 3 {
                case 0: mutant[position] = UInt8(truncatingIfNeeded: next())
                case 1: mutant[position] ^= UInt8(1) << UInt8(next() % 8)
                default: mutant[position] = [0x00, 0xFF, 0x7F, 0x80][Int(next() % 4)]
                }
            }
            if next() % 8 == 0 { mutant.removeLast(Int(next() % UInt64(mutant.count))) }
            try Data(mutant).write(to: url)
            do {
                _ = try GGUFFile(url: url)
                parsed += 1
            } catch {
                rejected += 1
            }
        }
        #expect(parsed + rejected == 2_000)
        #expect(rejected > 500)
    }
}
