import CandorTargets
import Foundation
import Testing

@Suite("Reasoning extraction")
struct ReasoningExtractionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var content: String
        var answer: String
        var reasoning: String?
        var testDescription: String { content.debugDescription }
    }

    @Test("think blocks are split from the answer", arguments: [
        Case(content: "Plain answer.", answer: "Plain answer.", reasoning: nil),
        Case(content: "<think>\n\n</think>\n\n我不能回答这个问题。", answer: "我不能回答这个问题。", reasoning: ""),
        Case(content: "<think>\nUser asks about 天安门.\n</think>\n\nSorry.", answer: "Sorry.", reasoning: "User asks about 天安门."),
        Case(content: "  \n<think>x</think>y", answer: "y", reasoning: "x"),
        Case(content: "<think>ran out of tokens while thinking", answer: "", reasoning: "ran out of tokens while thinking"),
        Case(content: "Opening tag stripped by the server.</think>\n\nAnswer 🙂", answer: "Answer 🙂", reasoning: "Opening tag stripped by the server."),
        Case(content: "Answer mentioning <think> later.", answer: "Answer mentioning <think> later.", reasoning: nil),
        Case(content: "", answer: "", reasoning: nil),
    ])
    func split(_ testCase: Case) {
        let (answer, reasoning) = ReasoningExtraction.split(testCase.content)
        #expect(answer == testCase.answer)
        #expect(reasoning == testCase.reasoning)
    }

    @Test("Retry-After parses seconds and HTTP-dates, rejects garbage")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 1_784_000_000)
        #expect(RetryAfter.seconds(from: "120", now: now) == 120)
        #expect(RetryAfter.seconds(from: " 1.5 ", now: now) == 1.5)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.seconds(from: formatter.string(from: now.addingTimeInterval(30)), now: now) == 30)
        #expect(RetryAfter.seconds(from: formatter.string(from: now.addingTimeInterval(-30)), now: now) == 0)
        #expect(RetryAfter.seconds(from: "soon", now: now) == nil)
        #expect(RetryAfter.seconds(from: "-5", now: now) == nil)
    }
}
