import Foundation
import Testing

@Suite("candor chat (the real binary and the bundled model)")
struct ChatTests {
    @Test("a greedy first turn equals `candor generate`; after /reset the same question gets the same answer; /quit stops reading")
    func chatTurns() throws {
        let question = "What is the capital of France?"
        let generated = try CandorBinary.run(["generate", "--max-tokens", "16", question])
        #expect(generated.status == 0, "\(generated.stderr)")
        let chat = try CandorBinary.run(
            ["chat", "--temperature", "0", "--max-tokens", "16"],
            input: "\(question)\n/reset\n\(question)\n/quit\nThis line is never read.\n"
        )
        #expect(chat.status == 0, "\(chat.stderr)")
        let answers = chat.stdout.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(answers.count == 2, "\(chat.stdout)")
        let expected = generated.stdout.trimmingCharacters(in: .newlines)
        #expect(!expected.isEmpty)
        #expect(answers.allSatisfy { $0 == expected }, "chat: \(answers) generate: \(expected)")
        #expect(chat.stderr.contains("(conversation reset)"))
    }
}
