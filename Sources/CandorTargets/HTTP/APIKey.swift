import CandorCore
import Foundation

/// Reads an API key from the environment at call time. The key is never stored by a target.
enum APIKey {
    /// The key in `variable`, `nil` when no variable is configured.
    /// - Throws: `.unavailable` when a variable is named but not set (the message names the variable, not a value).
    static func read(_ variable: String?) throws(TargetError) -> String? {
        guard let variable, !variable.isEmpty else { return nil }
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw TargetError(.unavailable, "environment variable \(variable) (API key) is not set")
        }
        return value
    }
}
