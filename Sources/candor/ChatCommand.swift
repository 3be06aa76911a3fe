import ArgumentParser
import Foundation
import LLMEngine
import LLMTokenizers

/// `candor chat`: an interactive conversation with a bundled or local model.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk to a bundled model or a local GGUF file, turn by turn.",
        discussion: """
            Type a message and press Enter. Commands: /system TEXT sets the system prompt and starts \
            over, /reset forgets the conversation, /quit (or end of input) leaves. When the \
            conversation outgrows the context window the oldest turns are dropped.
            """
    )

    @Option(help: "A catalog model id (see `candor models list`) or a path to a .gguf file.")
    var model: String = "smollm2-135m-instruct"
    @Option(help: "Replace the model's default system prompt.") var system: String?
    @Option(help: "Random seed for sampling.") var seed: UInt64 = 0
    @Option(help: "0 for greedy decoding.") var temperature: Float = 0.7
    @Option(name: .customLong("top-p")) var topP: Float = 0.95
    @Option(name: .customLong("max-tokens"), help: "Longest answer, in tokens.") var maxTokens: Int = 256
    @Option(help: "Threads for the matrix kernels (default: all cores).") var threads: Int?

    func run() throws {
        let (_, engine) = try LocalModels.load(model, threads: threads)
        let interactive = isatty(STDIN_FILENO) != 0
        if interactive { FileHandleOutput.standardError.write("chatting with \(model); /quit to leave, /reset to start over\n") }
        var conversation = Conversation(system: system)
        var turn: UInt64 = 0
        while true {
            if interactive { FileHandleOutput.standardError.write("> ") }
            guard let line = readLine() else { break }
            let input = line.trimmingCharacters(in: .whitespaces)
            if input.isEmpty { continue }
            switch input {
            case "/quit", "/exit": return
            case "/reset":
                conversation = Conversation(system: conversation.system)
                FileHandleOutput.standardError.write("(conversation reset)\n")
                continue
            case _ where input.hasPrefix("/system "):
                conversation = Conversation(system: String(input.dropFirst("/system ".count)))
                FileHandleOutput.standardError.write("(system prompt set; conversation reset)\n")
                continue
            default: break
            }
            conversation.messages.append(ChatMessage(role: .user, content: input))
            let tokens = try conversation.fittedTokens(engine: engine, reserve: maxTokens)
            let parameters = SamplingParameters(temperature: temperature, topP: topP, seed: seed &+ turn, maxTokens: maxTokens)
            turn += 1
            let result = engine.generate(promptTokens: tokens, parameters: parameters) { token in
                FileHandleOutput.standardOutput.write(token.text)
                return true
            }
            FileHandleOutput.standardOutput.write("\n\n")
            conversation.messages.append(ChatMessage(role: .assistant, content: result.text))
        }
    }
}

/// The turns so far, and the prompt tokens that fit the model's context.
struct Conversation {
    var system: String?
    var messages: [ChatMessage] = []

    init(system: String?) { self.system = system }

    /// The rendered conversation, dropping the oldest exchanges until it leaves `reserve` tokens
    /// for the answer.
    mutating func fittedTokens(engine: LanguageModel, reserve: Int) throws -> [Int32] {
        while true {
            let all = (system.map { [ChatMessage(role: .system, content: $0)] } ?? []) + messages
            let tokens = try engine.tokenizer.encode(engine.template.render(all))
            if tokens.count + reserve <= engine.contextLength || messages.count <= 1 {
                guard tokens.count + reserve <= engine.contextLength else {
                    throw CLIError("the message is too long for the model's \(engine.contextLength)-token context").exit
                }
                return tokens
            }
            messages.removeFirst(min(2, messages.count - 1))
        }
    }
}
