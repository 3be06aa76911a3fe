import LLMEngine
import Testing

/// Agreement with llama.cpp on the exact bundled GGUF files (run in release mode: `make test`).
@Suite("Forward pass against llama.cpp", .serialized)
struct ReferenceTests {
    static let models = [
        ("smollm2-135m-instruct", "smollm2-135m-instruct-q4_1"),
        ("qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-0.5b-instruct-q4_k_m"),
    ]

    @Test("top-10 logits at the first generated position are within 2e-2 of the largest logit's magnitude", arguments: models)
    func topLogits(model: String, fixture: String) throws {
        let engine = try ModelFiles.model(model)
        for generation in try LlamaCppFixture.load(fixture).generations {
            let cache = engine.makeCache(capacity: generation.prompt_tokens.count + 1)
            let logits = engine.prefill(generation.prompt_tokens, cache: cache)
            let tolerance = 2e-2 * abs(generation.top_logits[0][1])
            for pair in generation.top_logits {
                let id = Int(pair[0])
                #expect(abs(Double(logits[id]) - pair[1]) <= tolerance, "\(model) \(generation.prompt.prefix(30)): token \(id) logit \(logits[id]) vs \(pair[1])")
            }
        }
    }

    @Test("teacher-forced: the top token matches llama.cpp at every decisive step (margin ≥ 0.5)", arguments: models)
    func teacherForced(model: String, fixture: String) throws {
        let engine = try ModelFiles.model(model)
        var decisive = 0
        for generation in try LlamaCppFixture.load(fixture).generations {
            let tokens = generation.prompt_tokens + generation.greedy_tokens
            let cache = engine.makeCache(capacity: tokens.count + 1)
            _ = engine.prefill(Array(generation.prompt_tokens.dropLast()), cache: cache)
            let all = engine.logits(forEach: Array(tokens[(generation.prompt_tokens.count - 1)..<(tokens.count - 1)]), cache: cache)
            for (step, logits) in all.enumerated() where generation.greedy_margins[step] >= 0.5 {
                decisive += 1
                let top = logits.indices.max { logits[$0] < logits[$1] }!
                #expect(Int32(top) == generation.greedy_tokens[step], "\(model) \(generation.prompt.prefix(30)) step \(step): \(top) vs \(generation.greedy_tokens[step])")
            }
        }
        #expect(decisive > 100)
    }

    @Test("free-running greedy generation agrees with llama.cpp up to its first near-tie", arguments: models)
    func freeRunning(model: String, fixture: String) throws {
        let engine = try ModelFiles.model(model)
        for generation in try LlamaCppFixture.load(fixture).generations.prefix(3) {
            let firstTie = generation.greedy_margins.firstIndex { $0 < 0.5 } ?? generation.greedy_margins.count
            guard firstTie > 0 else { continue }
            let result = engine.generate(promptTokens: generation.prompt_tokens, parameters: SamplingParameters(maxTokens: firstTie))
            #expect(result.tokens.map(\.id) == Array(generation.greedy_tokens.prefix(result.tokens.count)))
            #expect(result.tokens.count == firstTie || result.finishReason == .endOfTurn)
        }
    }
}
