import Foundation
import LLMTokenizers

extension LanguageModel {
    /// Generates from `promptTokens` until end of turn, a stop string, `maxTokens`, or until
    /// `onToken` returns false (cancellation).
    public func generate(promptTokens: [Int32], parameters: SamplingParameters, onToken: (GeneratedToken) -> Bool = { _ in true }) -> GenerationResult {
        generate(batch: [promptTokens], parameters: [parameters]) { _, token in onToken(token) }[0]
    }

    /// Generates for a chat prompt.
    public func generate(prompt: String, system: String? = nil, parameters: SamplingParameters, onToken: (GeneratedToken) -> Bool = { _ in true }) throws -> GenerationResult {
        let tokens = try tokenizer.encode(template.render(prompt: prompt, system: system))
        return generate(promptTokens: tokens, parameters: parameters, onToken: onToken)
    }

    /// Several independent prompts decoded together: each step is one forward pass over every
    /// sequence still running (shared weights, separate KV caches).
    public func generate(batch prompts: [[Int32]], parameters: [SamplingParameters], onToken: (Int, GeneratedToken) -> Bool = { _, _ in true }) -> [GenerationResult] {
        precondition(prompts.count == parameters.count, "one SamplingParameters per prompt")
        struct Sequence {
            var cache: KVCache
            var sampler: Sampler
            var history: [Int32]
            var generated: [GeneratedToken] = []
            var decoder = StreamingDecoder()
            var text = ""
            var finish: GenerationResult.FinishReason?
            var next: Int32 = 0
            var promptCount: Int
        }
        var sequences: [Sequence] = []
        for (prompt, parameter) in zip(prompts, parameters) {
            let capacity = min(contextLength, prompt.count + parameter.maxTokens + 1)
            var sequence = Sequence(cache: makeCache(capacity: capacity), sampler: Sampler(parameters: parameter), history: prompt, promptCount: prompt.count)
            if prompt.isEmpty || prompt.count >= sequence.cache.capacity {
                sequence.finish = .length
            } else {
                let logits = prefill(prompt, cache: sequence.cache)
                consume(&sequence, logits, parameter)
            }
            sequences.append(sequence)
        }

        func consume(_ sequence: inout Sequence, _ logits: [Float], _ parameter: SamplingParameters) {
            let (id, logSoftmax) = sequence.sampler.sample(logits, history: sequence.history)
            if tokenizer.endOfTurnIDs.contains(id) {
                sequence.finish = .endOfTurn
                return
            }
            var alternatives: [GeneratedToken.Alternative] = []
            if parameter.logprobs > 0 {
                alternatives = logSoftmax.indices.sorted { logSoftmax[$0] > logSoftmax[$1] }.prefix(parameter.logprobs)
                    .map { GeneratedToken.Alternative(id: Int32($0), logprob: logSoftmax[$0]) }
            }
            let piece = sequence.decoder.append(tokenizer.bytes(of: id))
            sequence.text += piece
            sequence.generated.append(GeneratedToken(id: id, logprob: logSoftmax[Int(id)], alternatives: alternatives, text: piece))
            sequence.history.append(id)
            sequence.next = id
            if let stop = parameter.stopStrings.first(where: { !$0.isEmpty && sequence.text.contains($0) }) {
                sequence.text = String(sequence.text[..<sequence.text.range(of: stop)!.lowerBound])
                sequence.finish = .stopString
            } else if sequence.generated.count >= parameter.maxTokens || sequence.cache.count + 1 >= sequence.cache.capacity {
                sequence.finish = .length
            }
        }

        var reported = Array(repeating: 0, count: sequences.count)
        func report() {
            for index in sequences.indices where sequences[index].finish != .cancelled {
                while reported[index] < sequences[index].generated.count {
                    if !onToken(index, sequences[index].generated[reported[index]]) {
                        sequences[index].finish = .cancelled
                        break
                    }
                    reported[index] += 1
                }
            }
        }
        report()
        var logits: [[Float]] = []  // reused from step to step
        while true {
            let active = sequences.indices.filter { sequences[$0].finish == nil }
            guard !active.isEmpty else { break }
            step(active.map { (sequences[$0].cache, sequences[$0].next) }, into: &logits)
            for (row, index) in active.enumerated() {
                consume(&sequences[index], logits[row], parameters[index])
            }
            report()
        }
        return sequences.map { sequence in
            var text = sequence.text
            var decoder = sequence.decoder
            if sequence.finish != .stopString { text += decoder.finish() }
            return GenerationResult(tokens: sequence.generated, text: text, finishReason: sequence.finish ?? .length, promptTokens: sequence.promptCount)
        }
    }
}
