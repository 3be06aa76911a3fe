/// Why an audit could not start or did not finish.
///
/// Structured for callers (the CLI maps ``kind`` to an exit code, the server to an HTTP status);
/// ``message`` is the sentence shown to a person and never contains prompts or answers.
public struct AuditError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
        /// The campaign file is missing, or the declared data under it does not validate.
        case invalidCampaign
        /// A target, model or the store could not be used.
        case unavailable
        /// An unfinished run exists with a different configuration hash and `force` was not given.
        case configurationChanged
        /// The run was cancelled; what was stored stays stored.
        case interrupted
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
