import CandorCore
import Foundation

/// Turns an external prompt list (CSV with a header row, or JSON Lines) into a probe pack.
///
/// Recognised columns/keys: `prompt` (or `text`, required), and optional `id`, `language`,
/// `topic`, `category`, `expect` (`answer` | `refuse`), `tags` (a list, or a string
/// separated by `;` or `,`), `severity`, `notes`. Missing values come from ``Defaults``; a missing
/// language is guessed from the script (Han characters: `zh-Hans`, else `en`). Other columns are
/// ignored and listed in ``Result/ignoredColumns``. Every problem is reported with its line.
public struct ProbeImport {
    public struct Defaults: Sendable {
        public var language: LanguageTag?
        public var topic: String
        public var category: String
        public var expect: Expectation
        public var severity: Severity

        public init(language: LanguageTag? = nil, topic: String = "imported", category: String = "imported",
                    expect: Expectation = .answer, severity: Severity = .medium) {
            self.language = language
            self.topic = topic
            self.category = category
            self.expect = expect
            self.severity = severity
        }
    }

    public struct Result: Sendable {
        public var pack: ProbePack
        /// Columns or keys that were not recognised and were ignored.
        public var ignoredColumns: [String]
        /// Lines skipped because their prompt repeats an earlier one.
        public var duplicateLines: [Int]
        /// How many probes had their language guessed from the script.
        public var guessedLanguages: Int
    }

    public static let columns = ["prompt", "text", "id", "language", "topic", "category", "expect", "tags", "severity", "notes"]

    /// One input row: its line and its values by lower-cased column name.
    struct Row {
        var line: Int
        var values: [String: RowValue]
    }

    enum RowValue {
        case text(String)
        case list([String])
        case null
    }

    /// Reads `url` (`.csv`, `.jsonl` or `.ndjson`) into a pack named `packID`.
    /// - Throws: ``ValidationFailure`` naming every bad line, field and what was expected.
    public static func read(
        _ url: URL, packID: String, taxonomy: Taxonomy, defaults: Defaults = Defaults()
    ) throws(ValidationFailure) -> Result {
        let file = url.path
        func failure(_ line: Int, _ key: String, _ message: String) -> ValidationFailure {
            ValidationFailure(diagnostics: [Diagnostic(file: file, line: line, column: 0, keyPath: key, message: message)])
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw failure(0, "", "cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw failure(0, "", "not UTF-8 text") }
        var rows: [Row]
        var ignored: Set<String> = []
        var diagnostics: [Diagnostic] = []
        switch url.pathExtension.lowercased() {
        case "csv":
            rows = try csvRows(text, file: file, ignored: &ignored)
        case "jsonl", "ndjson":
            (rows, diagnostics) = jsonRows(text, file: file, ignored: &ignored)
        default:
            throw failure(0, "", "unknown file type '.\(url.pathExtension)'; expected .csv or .jsonl")
        }
        guard !rows.isEmpty || !diagnostics.isEmpty else { throw failure(0, "", "no prompts found") }
        var builder = PackBuilder(packID: packID, file: file, taxonomy: taxonomy, defaults: defaults)
        for row in rows { builder.add(row) }
        diagnostics += builder.diagnostics
        guard diagnostics.isEmpty else { throw ValidationFailure(diagnostics: diagnostics.sorted()) }
        let pack = ProbePack(
            id: packID, version: "1",
            description: "Imported from \(url.lastPathComponent) by `candor probes import`.",
            probes: builder.probes
        )
        return Result(pack: pack, ignoredColumns: ignored.sorted(), duplicateLines: builder.duplicateLines, guessedLanguages: builder.guessedLanguages)
    }

    private static func csvRows(_ text: String, file: String, ignored: inout Set<String>) throws(ValidationFailure) -> [Row] {
        let records: [CSVReader.Record]
        do { records = try CSVReader.records(text) } catch {
            throw ValidationFailure(diagnostics: [Diagnostic(file: file, line: error.line, column: 0, keyPath: "", message: error.message)])
        }
        guard let header = records.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names.contains("prompt") || names.contains("text") else {
            throw ValidationFailure(diagnostics: [Diagnostic(
                file: file, line: header.line, column: 0, keyPath: "",
                message: "the header row needs a 'prompt' (or 'text') column; found: \(names.joined(separator: ", "))"
            )])
        }
        ignored.formUnion(names.filter { !columns.contains($0) && !$0.isEmpty })
        var diagnostics: [Diagnostic] = []
        var rows: [Row] = []
        for record in records.dropFirst() {
            if record.fields.count != names.count {
                diagnostics.append(Diagnostic(file: file, line: record.line, column: 0, keyPath: "",
                                              message: "\(record.fields.count) fields; the header has \(names.count)"))
                continue
            }
            var values: [String: RowValue] = [:]
            for (name, field) in zip(names, record.fields) where columns.contains(name) {
                values[name] = name == "tags"
                    ? .list(tagList(field))
                    : .text(field)
            }
            rows.append(Row(line: record.line, values: values))
        }
        guard diagnostics.isEmpty else { throw ValidationFailure(diagnostics: diagnostics) }
        return rows
    }

    /// Tags written as one string, separated by `;` or `,`.
    static func tagList(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == ";" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Rows of the valid lines, and a diagnostic for each bad line (the other lines are still checked).
    private static func jsonRows(_ text: String, file: String, ignored: inout Set<String>) -> ([Row], [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var rows: [Row] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            func report(_ key: String, _ message: String) {
                diagnostics.append(Diagnostic(file: file, line: index + 1, column: 0, keyPath: key, message: message))
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                report("", "not a JSON object")
                continue
            }
            var values: [String: RowValue] = [:]
            for (rawKey, value) in object {
                let key = rawKey.lowercased()
                guard columns.contains(key) else {
                    ignored.insert(rawKey)
                    continue
                }
                switch value {
                case let string as String where key == "tags":
                    values[key] = .list(tagList(string))
                case let string as String: values[key] = .text(string)
                case is NSNull: values[key] = .null
                case let list as [Any] where key == "tags":
                    let strings = list.compactMap { $0 as? String }
                    if strings.count == list.count { values[key] = .list(strings) } else { report(rawKey, "expected a list of strings") }
                default: report(rawKey, key == "tags" ? "expected a list of strings" : "expected a string")
                }
            }
            rows.append(Row(line: index + 1, values: values))
        }
        return (rows, diagnostics)
    }
}
