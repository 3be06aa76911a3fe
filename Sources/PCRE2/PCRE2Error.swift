import CPCRE2

/// An error from compiling or running a PCRE2 pattern.
///
/// The description names the pattern id, where the problem is (an offset into the pattern for
/// compile errors, into the subject for match errors) and PCRE2's own message. The subject text
/// itself is never included: it may be model output.
public struct PCRE2Error: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The pattern did not compile.
        case compile
        /// A match failed for a reason other than "no match".
        case match
        /// The match or depth limit was hit: the pattern backtracks too much on this input.
        case limitExceeded
    }

    public let kind: Kind
    /// The id the pattern was compiled with (a detector id), or the pattern itself.
    public let patternID: String
    /// PCRE2's message.
    public let message: String
    /// Byte offset into the pattern (compile errors) or the subject (match errors).
    public let offset: Int?

    public var description: String {
        switch kind {
        case .compile:
            "pattern '\(patternID)' does not compile at offset \(offset ?? 0): \(message)"
        case .match:
            "pattern '\(patternID)' failed while matching at byte \(offset ?? 0): \(message)"
        case .limitExceeded:
            "pattern '\(patternID)' hit its backtracking limit at byte \(offset ?? 0) (\(message)); simplify the pattern"
        }
    }

    static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer {
            pcre2_get_error_message_8(code, $0.baseAddress, $0.count)
        }
        guard length > 0 else { return "PCRE2 error \(code)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }
}
