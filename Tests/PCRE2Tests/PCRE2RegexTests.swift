import PCRE2
import Testing

@Suite("PCRE2 wrapper")
struct PCRE2RegexTests {
    @Test("finds every match with correct string ranges, including non-ASCII text")
    func allMatches() throws {
        let regex = try PCRE2Regex(#"\p{Han}+"#)
        let text = "Tiananmen 天安门 1989 六四事件!"
        let found = try regex.matches(in: text).map { String(text[$0.range]) }
        #expect(found == ["天安门", "六四事件"])
    }

    @Test("caseless matching folds Unicode case")
    func caseless() throws {
        let regex = try PCRE2Regex("i cannot", options: [.caseless, .unicodeProperties])
        #expect(try regex.isMatch("Sorry, I CANNOT help."))
        #expect(try !regex.isMatch("I can help."))
    }

    @Test("\\w follows Unicode with UCP")
    func unicodeWordClass() throws {
        let regex = try PCRE2Regex(#"^\w+$"#)
        #expect(try regex.isMatch("Überprüfung"))
        #expect(try regex.isMatch("台湾"))
    }

    @Test("empty matches advance by one character and never loop")
    func emptyMatches() throws {
        let regex = try PCRE2Regex("x*")
        let text = "aé"
        let ranges = try regex.matches(in: text).map(\.utf8Range)
        #expect(ranges == [0..<0, 1..<1, 3..<3])
    }

    @Test("capture groups report nil when they do not take part")
    func groups() throws {
        let regex = try PCRE2Regex("(a)|(b)")
        let match = try #require(try regex.firstMatch(in: "b"))
        #expect(match.groups.count == 2)
        #expect(match.groups[0] == nil)
        #expect(match.groups[1] != nil)
    }

    @Test("a compile error names the pattern id, the offset and PCRE2's message")
    func compileError() {
        do {
            _ = try PCRE2Regex("refuse(d", id: "en.refusal.bad")
            Issue.record("expected a compile error")
        } catch {
            #expect(error.kind == .compile)
            #expect(error.patternID == "en.refusal.bad")
            #expect(error.offset == 8)
            #expect(error.description.contains("en.refusal.bad"))
            #expect(error.description.contains("missing closing parenthesis"))
        }
    }

    @Test("catastrophic backtracking hits the limit instead of hanging")
    func backtrackingLimit() throws {
        let regex = try PCRE2Regex("^(a+)+$", limits: .init(matchLimit: 10_000, depthLimit: 1_000))
        let subject = String(repeating: "a", count: 40) + "b"
        #expect {
            _ = try regex.isMatch(subject)
        } throws: { error in
            (error as? PCRE2Error)?.kind == .limitExceeded
        }
    }

    @Test("a compiled pattern can be shared between concurrent tasks")
    func concurrentUse() async throws {
        let regex = try PCRE2Regex(#"\d+"#)
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<16 {
                group.addTask { try regex.matches(in: String(repeating: "x\(i) ", count: 100)).count }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 100, count: 16))
    }
}
