import CPCRE2

/// A compiled PCRE2 pattern over UTF-8 text.
///
/// Patterns are always compiled in UTF mode; Unicode properties (`\p{L}`, and `\w`/`\d`/`\s`
/// following Unicode rather than ASCII) are on by default. Where the platform supports it the
/// pattern is JIT-compiled. Every match runs with match and depth limits, so no pattern can hang
/// a caller: hitting a limit is a thrown ``PCRE2Error``, never a silent "no match".
///
/// A compiled pattern is immutable and may be shared between threads; each match call allocates
/// its own match data.
public final class PCRE2Regex: @unchecked Sendable {
    // @unchecked Sendable: `code` is written once in init and only read afterwards. PCRE2 documents
    // compiled patterns (including JIT code) as safe for concurrent matching as long as each thread
    // uses its own match data, which every method here allocates per call.

    /// Compile-time options.
    public struct Options: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Case-insensitive matching (Unicode case folding).
        public static let caseless = Options(rawValue: UInt32(PCRE2_CASELESS))
        /// `^` and `$` match at line breaks.
        public static let multiline = Options(rawValue: UInt32(PCRE2_MULTILINE))
        /// `.` matches line breaks too.
        public static let dotAll = Options(rawValue: UInt32(PCRE2_DOTALL))
        /// Whitespace and `#` comments in the pattern are ignored.
        public static let extended = Options(rawValue: UInt32(PCRE2_EXTENDED))
        /// `\w`, `\d`, `\s`, `\b` and POSIX classes use Unicode properties. On by default.
        public static let unicodeProperties = Options(rawValue: UInt32(PCRE2_UCP))
    }

    /// Limits applied to every match.
    public struct Limits: Sendable, Hashable {
        /// PCRE2's match limit: the number of internal match-function calls (backtracking steps).
        public var matchLimit: UInt32
        /// PCRE2's depth limit: the backtracking depth (memory used by the interpreter).
        public var depthLimit: UInt32
        public init(matchLimit: UInt32 = 1_000_000, depthLimit: UInt32 = 10_000) {
            self.matchLimit = matchLimit
            self.depthLimit = depthLimit
        }
        public static let `default` = Limits()
    }

    /// The pattern source, as given.
    public let pattern: String
    /// An identifier for error messages (a detector id, a tokenizer name).
    public let id: String
    /// Whether the pattern was JIT-compiled.
    public let isJIT: Bool
    /// Number of capture groups in the pattern.
    public let captureCount: Int

    private let code: OpaquePointer
    private let limits: Limits

    /// Compiles `pattern`.
    /// - Parameters:
    ///   - id: named in errors; defaults to the pattern itself.
    /// - Throws: ``PCRE2Error`` naming the id, the offset in the pattern and PCRE2's message.
    public init(
        _ pattern: String,
        options: Options = [.unicodeProperties],
        id: String? = nil,
        limits: Limits = .default
    ) throws(PCRE2Error) {
        self.pattern = pattern
        self.id = id ?? pattern
        self.limits = limits
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let flags = options.rawValue | UInt32(PCRE2_UTF)
        let compiled: OpaquePointer? = pattern.utf8.withContiguousStorageIfAvailable { buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count, flags, &errorCode, &errorOffset, nil)
        } ?? {
            var copy = Array(pattern.utf8)
            return copy.withUnsafeMutableBufferPointer { buffer in
                pcre2_compile_8(buffer.baseAddress, buffer.count, flags, &errorCode, &errorOffset, nil)
            }
        }()
        guard let compiled else {
            throw PCRE2Error(
                kind: .compile,
                patternID: id ?? pattern,
                message: PCRE2Error.message(for: errorCode),
                offset: errorOffset
            )
        }
        self.code = compiled
        self.isJIT = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        var count: UInt32 = 0
        _ = pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        self.captureCount = Int(count)
    }

    deinit {
        pcre2_code_free_8(code)
    }

    /// Calls `body` with the UTF-8 byte range of each non-overlapping match in `text`, in order,
    /// and the byte ranges of the capture groups (`nil` for a group that did not take part).
    /// Return `false` from `body` to stop early.
    ///
    /// This is the primitive the other methods build on; it works on raw bytes so that hot callers
    /// (a tokenizer's pre-splitter) avoid `String.Index` arithmetic.
    public func forEachMatch(
        inUTF8 text: UnsafeBufferPointer<UInt8>,
        _ body: (_ match: Range<Int>, _ groups: [Range<Int>?]) throws -> Bool
    ) throws {
        guard let matchData = pcre2_match_data_create_from_pattern_8(code, nil) else {
            throw PCRE2Error(kind: .match, patternID: id, message: "out of memory creating match data", offset: nil)
        }
        defer { pcre2_match_data_free_8(matchData) }
        guard let context = pcre2_match_context_create_8(nil) else {
            throw PCRE2Error(kind: .match, patternID: id, message: "out of memory creating match context", offset: nil)
        }
        defer { pcre2_match_context_free_8(context) }
        pcre2_set_match_limit_8(context, limits.matchLimit)
        pcre2_set_depth_limit_8(context, limits.depthLimit)

        // An empty buffer may have a nil base address; PCRE2 needs a valid pointer even for length 0.
        var emptyByte: UInt8 = 0
        try withUnsafePointer(to: &emptyByte) { empty in
            let base = text.baseAddress ?? empty
            let length = text.count
            var start = 0
            var extraFlags: UInt32 = 0
            while start <= length {
                let rc = pcre2_match_8(code, base, length, start, extraFlags, matchData, context)
                if rc == PCRE2_ERROR_NOMATCH {
                    if extraFlags == 0 { return }
                    // An empty match at `start` was not allowed again: advance one character.
                    extraFlags = 0
                    start = Self.nextCharacterStart(in: base, length: length, after: start)
                    continue
                }
                if rc < 0 {
                    throw PCRE2Error(
                        kind: rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ? .limitExceeded : .match,
                        patternID: id,
                        message: PCRE2Error.message(for: rc),
                        offset: start
                    )
                }
                let ovector = pcre2_get_ovector_pointer_8(matchData)!
                let lower = ovector[0], upper = ovector[1]
                var groups: [Range<Int>?] = []
                if captureCount > 0 {
                    groups.reserveCapacity(captureCount)
                    for group in 1...captureCount {
                        let gl = ovector[2 * group], gu = ovector[2 * group + 1]
                        groups.append(gl == Self.unset || gu == Self.unset ? nil : gl..<gu)
                    }
                }
                guard try body(lower..<upper, groups) else { return }
                start = upper
                // After an empty match, the next match may not be empty at the same place.
                extraFlags = lower == upper ? UInt32(PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED) : 0
                if lower == upper && start >= length { return }
            }
        }
    }

    /// Whether `text` contains a match.
    public func isMatch(_ text: String) throws -> Bool {
        try firstMatch(in: text) != nil
    }

    /// The first match in `text`, if any.
    public func firstMatch(in text: String) throws -> PCRE2Match? {
        var found: PCRE2Match?
        try enumerate(text) { match in
            found = match
            return false
        }
        return found
    }

    /// Every non-overlapping match in `text`, in order.
    public func matches(in text: String) throws -> [PCRE2Match] {
        var all: [PCRE2Match] = []
        try enumerate(text) { match in
            all.append(match)
            return true
        }
        return all
    }

    private func enumerate(_ text: String, _ body: (PCRE2Match) throws -> Bool) throws {
        let utf8 = text.utf8
        var contiguous = text
        try contiguous.withUTF8 { buffer in
            func index(_ offset: Int) -> String.Index {
                utf8.index(utf8.startIndex, offsetBy: offset)
            }
            try forEachMatch(inUTF8: buffer) { range, groups in
                let match = PCRE2Match(
                    range: index(range.lowerBound)..<index(range.upperBound),
                    utf8Range: range,
                    groups: groups.map { $0.map { index($0.lowerBound)..<index($0.upperBound) } }
                )
                return try body(match)
            }
        }
    }

    private static let unset = ~Int(0)

    private static func nextCharacterStart(in base: UnsafePointer<UInt8>, length: Int, after offset: Int) -> Int {
        var next = offset + 1
        while next < length, base[next] & 0b1100_0000 == 0b1000_0000 { next += 1 }
        return next
    }
}

/// One match: its range in the searched string, the same range in UTF-8 bytes, and the capture
/// groups (`nil` where a group did not take part).
public struct PCRE2Match: Sendable, Hashable {
    public let range: Range<String.Index>
    public let utf8Range: Range<Int>
    public let groups: [Range<String.Index>?]
}
