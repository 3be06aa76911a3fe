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
        ("bad magic", "not a GGUF file"),
        ("version 1", "unsupported GGUF version 1"),
        ("huge metadata count", "metadata count"),
        ("huge tensor count", "tensor count"),
        ("string past the end", "claims 4294967296 bytes"),
        ("truncated header", "metadata count 3 cannot fit in the 36 bytes that remain"),
        ("truncated data", "extends past the end"),
    ])
    func broken(name: String, expected: String) throws {
        var bytes = GGUFBuilder.valid().bytes()
        switch name {
        case "bad magic": bytes[0] = 0x58
        case "version 1": bytes[4] = 1
        case "huge metadata count": bytes.replaceSubrange(16..<24, with: GGUFBuilder.le(UInt64.max / 2))
        case "huge tensor count": bytes.replaceSubrange(8..<16, with: GGUFBuilder.le(UInt64(1) << 40))
        case "string past the end": bytes.replaceSubrange(24..<32, with: GGUFBuilder.le(UInt64(1) << 32))
        case "truncated header": bytes.removeLast(bytes.count - 60)
        default: bytes.removeLast(20)
        }
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
