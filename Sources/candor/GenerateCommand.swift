import ArgumentParser
import Foundation
import LLMEngine
import LLMTokenizers

/// `candor generate`: one answer from a bundled or local model.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate an answer to a prompt with a bundled model or a local GGUF file.",
        discussion: "Tokens stream to standard output as they are produced; timing goes to standard error."
    )

    @Option(help: "A catalog model id (see `candor models list`) or a path to a .gguf file.")
    var model: String = "smollm2-135m-instruct"
    @Option(help: "Replace the model's default system prompt.") var system: String?
    @Option(help: "Random seed for sampling.") var seed: UInt64 = 0
    @Option(help: "0 for greedy decoding.") var temperature: Float = 0
    @Option(name: .customLong("top-p")) var topP: Float = 1
    @Option(name: .customLong("max-tokens")) var maxTokens: Int = 128
    @Option(help: "Also print the top K alternatives of each token with log-probabilities.") var logprobs: Int = 0
    @Option(help: "Threads for the matrix kernels (default: all cores).") var threads: Int?
    @Argument(help: "The user prompt.") var prompt: String

    func run() throws {
        let (_, engine) = try LocalModels.load(model, threads: threads)
        let parameters = SamplingParameters(temperature: temperature, topP: topP, seed: seed, maxTokens: maxTokens, logprobs: logprobs)
        let start = Date()
        var first: Date?
        let result = try engine.generate(prompt: prompt, system: system, parameters: parameters) { token in
            if first == nil { first = Date() }
            if logprobs > 0 {
                let alternatives = token.alternatives.map { "\(engine.tokenizer.decode([$0.id]).debugDescription)=\(String(format: "%.2f", $0.logprob))" }
                FileHandleOutput.standardOutput.write("\(token.text.debugDescription) \(String(format: "%.3f", token.logprob)) [\(alternatives.joined(separator: " "))]\n")
            } else {
                FileHandleOutput.standardOutput.write(token.text)
            }
            return true
        }
        let end = Date()
        let decodeSeconds = first.map { end.timeIntervalSince($0) } ?? 0
        let decodeRate = result.tokens.count > 1 && decodeSeconds > 0 ? Double(result.tokens.count - 1) / decodeSeconds : 0
        FileHandleOutput.standardOutput.write("\n")
        FileHandleOutput.standardError.write(String(format: "[%d prompt tokens, %d generated, %@; prompt %.2f s, decode %.1f tokens/s]\n",
                                                    result.promptTokens, result.tokens.count, result.finishReason.rawValue,
                                                    (first ?? end).timeIntervalSince(start), decodeRate))
    }
}
