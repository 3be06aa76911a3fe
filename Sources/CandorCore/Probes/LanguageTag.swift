/// A BCP-47 language tag such as `en`, `zh-Hans` or `pt-BR`.
///
/// Only the shape is checked (a 2–3 letter primary subtag, then optional script, region or
/// variant subtags); which languages a campaign uses is up to its author.
public struct LanguageTag: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// `nil` unless `rawValue` is a well-formed tag.
    public init?(rawValue: String) {
        guard Self.isWellFormed(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public static let english = LanguageTag(rawValue: "en")!
    public static let simplifiedChinese = LanguageTag(rawValue: "zh-Hans")!

    /// The primary language subtag, lower-cased (`zh` for `zh-Hans`).
    public var primary: String {
        String(rawValue.split(separator: "-").first ?? Substring(rawValue)).lowercased()
    }

    public var description: String { rawValue }

    public static func < (lhs: LanguageTag, rhs: LanguageTag) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let tag = LanguageTag(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a BCP-47 language tag"))
        }
        self = tag
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    private static func isWellFormed(_ text: String) -> Bool {
        let subtags = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = subtags.first, (2...3).contains(first.count), first.allSatisfy(\.isASCIILetter) else {
            return false
        }
        return subtags.dropFirst().allSatisfy { subtag in
            (2...8).contains(subtag.count) && subtag.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit }
        }
    }
}

extension Character {
    var isASCIILetter: Bool { isASCII && isLetter }
    var isASCIIDigit: Bool { isASCII && isNumber }
}
