import LLMEngine
import LLMTokenizers
import Testing

/// Batched decoding runs one forward pass over several sequences; each sequence must get exactly
/// the tokens it gets alone (every activation vector is quantized and dotted independently).
@Suite("Batched decode", .serialized)
struct BatchedDecodeTests {
    @Test("batched greedy generation of different prompts gives the same tokens as each prompt alone", arguments: [
        "smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct",
    ])
    func batchedMatchesSingle(model id: String) throws {
        let model = try ModelFiles.model(id)
        let prompts = ["Name three colours.", "What is 12 times 7?", "Write a haiku about rain.", "Translate 'good morning' into French."]
        let tokens = try prompts.map { try model.tokenizer.encode(model.template.render(prompt: $0)) }
        // Different lengths, so the sequences sit at different positions in every step.
        #expect(Set(tokens.map(\.count)).count > 1)
        let parameters = SamplingParameters(maxTokens: 12)
        let batched = model.generate(batch: tokens, parameters: Array(repeating: parameters, count: tokens.count))
        for (index, prompt) in tokens.enumerated() {
            let alone = model.generate(promptTokens: prompt, parameters: parameters)
            #expect(batched[index].tokens.map(\.id) == alone.tokens.map(\.id), "prompt \(index)")
            #expect(!alone.tokens.isEmpty)
        }
    }
}
