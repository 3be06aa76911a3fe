/// Why a GGUF file could not be read: what was wrong, where (byte offset, key or tensor), and
/// what was expected.
public struct GGUFError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// Byte offset in the file where the problem was found, when known.
    public var offset: Int?

    public init(_ message: String, offset: Int? = nil) {
        self.message = message
        self.offset = offset
    }

    public var description: String {
        offset.map { "GGUF: \(message) (at byte \($0))" } ?? "GGUF: \(message)"
    }
}
