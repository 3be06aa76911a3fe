/// Why a tokenizer or chat template could not be built from a model's metadata.
public struct TokenizerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "tokenizer: \(message)" }
}
