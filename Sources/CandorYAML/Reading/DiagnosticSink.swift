/// Collects diagnostics while a file is read, so one pass reports every problem.
///
/// A class because readers for nested values share one sink; it is used by one loading call on
/// one thread and never escapes it.
final class DiagnosticSink {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    func report(_ message: String, at location: NodeLocation, keyPath: String) {
        diagnostics.append(Diagnostic(file: file, line: location.line, column: location.column, keyPath: keyPath, message: message))
    }

    var hasErrors: Bool { !diagnostics.isEmpty }
}

/// Where a node starts, 1-based; zeros when the parser gave no mark.
struct NodeLocation: Sendable, Hashable {
    var line: Int
    var column: Int
    static let unknown = NodeLocation(line: 0, column: 0)
}
