import Foundation
import Yams

/// Parses one YAML file into its root node, turning parser errors into diagnostics.
enum YAMLDocument {
    /// The root value of `text`, or `nil` after reporting a syntax error or an empty document.
    static func root(of text: String, sink: DiagnosticSink) -> YAMLValue? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                sink.report("the file is empty; expected a YAML mapping", at: .unknown, keyPath: "")
                return nil
            }
            return YAMLValue(node: node, keyPath: "", sink: sink)
        } catch let error as YamlError {
            report(error, sink: sink)
        } catch {
            sink.report("cannot parse YAML: \(error)", at: .unknown, keyPath: "")
        }
        return nil
    }

    /// Reads `url` as UTF-8, reporting an unreadable file.
    static func read(_ url: URL, displayPath: String, sink: DiagnosticSink) -> String? {
        do {
            let data = try Data(contentsOf: url)
            guard let text = String(data: data, encoding: .utf8) else {
                sink.report("the file is not valid UTF-8", at: .unknown, keyPath: "")
                return nil
            }
            return text
        } catch {
            sink.report("cannot read the file: \(error.localizedDescription)", at: .unknown, keyPath: "")
            return nil
        }
    }

    private static func report(_ error: YamlError, sink: DiagnosticSink) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            sink.report("invalid YAML: \(detail)\(problem)", at: NodeLocation(line: mark.line, column: mark.column), keyPath: "")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let mark = context.mark
            sink.report(
                "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))",
                at: NodeLocation(line: mark.line, column: mark.column), keyPath: ""
            )
        default:
            sink.report("invalid YAML: \(error)", at: .unknown, keyPath: "")
        }
    }
}
