import PCRE2

extension PCRE2Regex {
    /// A pattern written into the verdict rules themselves (not read from a policy), compiled once
    /// with PCRE2, caseless and with Unicode properties, as the policy's detectors are. One that
    /// does not compile is a programming error, named by `id`.
    static func rule(_ pattern: String, id: String) -> PCRE2Regex {
        do {
            return try PCRE2Regex(pattern, options: [.unicodeProperties, .caseless], id: id)
        } catch {
            preconditionFailure("the \(id) pattern does not compile: \(error)")
        }
    }

    /// Whether a rule's pattern matches anywhere in `text`. One that hits PCRE2's match limit
    /// counts as no match: the rule then stays silent, as it does on text it cannot judge.
    func occurs<S: StringProtocol>(in text: S) -> Bool {
        (try? isMatch(String(text))) ?? false
    }
}
