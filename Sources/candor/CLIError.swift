import ArgumentParser

/// An error the CLI reports to the user: a message and an exit code.
///
/// Modules throw structured errors; commands convert them here, in one place, so every message
/// has the same shape and every exit code is documented in ``Candor``'s discussion.
struct CLIError: Error, CustomStringConvertible {
    enum Code: Int32 {
        /// A check failed: validation errors, a failing gate.
        case checkFailed = 1
        /// Bad usage or unreadable input.
        case badInput = 2
        /// A model, endpoint or store could not be opened.
        case unavailable = 3
    }

    var message: String
    var code: Code

    init(_ message: String, code: Code = .badInput) {
        self.message = message
        self.code = code
    }

    var description: String { message }

    /// Prints the message to standard error and returns the exit code for ArgumentParser.
    var exit: ExitCode {
        FileHandleOutput.standardError.write("candor: \(message)\n")
        return ExitCode(code.rawValue)
    }
}
