import CandorCore
import Foundation

/// Checks imported rows one by one and collects probes and every problem found.
public struct PackBuilder {
    let packID: String
    let file: String
    let taxonomy: Taxonomy
    let defaults: ProbeImport.Defaults
    private(set) var probes: [Probe] = []
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var duplicateLines: [Int] = []
    private(set) var guessedLanguages = 0
    private var seenTexts: Set<String> = []
    private var seenIDs: [String: Int] = [:]

    init(packID: String, file: String, taxonomy: Taxonomy, defaults: ProbeImport.Defaults) {
        self.packID = packID
        self.file = file
        self.taxonomy = taxonomy
        self.defaults = defaults
    }

    mutating func add(_ row: ProbeImport.Row) {
        let before = diagnostics.count
        func report(_ key: String, _ message: String) {
            diagnostics.append(Diagnostic(file: file, line: row.line, column: 0, keyPath: key, message: message))
        }
        func text(_ key: String) -> String? {
            guard case .text(let value) = row.values[key] else { return nil }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines.union(["\u{FEFF}"]))
            return trimmed.isEmpty ? nil : trimmed
        }
        guard let prompt = text("prompt") ?? text("text") else {
            report("prompt", "empty; every row needs the prompt text")
            return
        }
        if let control = prompt.unicodeScalars.first(where: { $0.value < 0x20 && !["\n", "\t", "\r"].contains($0) || $0.value == 0x7F }) {
            report("prompt", "contains the control character U+\(String(format: "%04X", control.value)); expected printable text")
            return
        }
        if !seenTexts.insert(prompt).inserted {
            duplicateLines.append(row.line)
            return
        }
        let id = text("id") ?? String(format: "%@-%04d", packID, seenTexts.count)
        if !Self.isProbeID(id) {
            report("id", "'\(id)' is not a probe id; expected lowercase letters, digits, '-', '_' or '.'")
        } else if let earlier = seenIDs[id] {
            report("id", "duplicate id '\(id)' (first on line \(earlier))")
        }
        seenIDs[id] = seenIDs[id] ?? row.line
        var language = defaults.language
        if let tag = text("language") {
            language = LanguageTag(rawValue: tag)
            if language == nil { report("language", "'\(tag)' is not a BCP-47 language tag such as en or zh-Hans") }
        } else if language == nil {
            language = prompt.unicodeScalars.contains(where: Self.isHan) ? .simplifiedChinese : .english
            guessedLanguages += 1
        }
        let topic = text("topic") ?? defaults.topic
        if !taxonomy.topicIDs.contains(topic) { report("topic", "'\(topic)' is not a topic in probes/taxonomy.yaml") }
        let category = text("category") ?? defaults.category
        if !taxonomy.categoryIDs.contains(category) { report("category", "'\(category)' is not a category in probes/taxonomy.yaml") }
        var expect = defaults.expect
        if let value = text("expect") {
            if let parsed = Expectation(rawValue: value.lowercased()) { expect = parsed } else { report("expect", "'\(value)'; expected answer or refuse") }
        }
        var severity = defaults.severity
        if let value = text("severity") {
            if let parsed = Severity(rawValue: value.lowercased()) { severity = parsed } else { report("severity", "'\(value)'; expected low, medium, high or critical") }
        }
        var tags: [String] = []
        if case .list(let list) = row.values["tags"] { tags = list }
        for tag in tags where !taxonomy.tagIDs.contains(tag) { report("tags", "'\(tag)' is not a tag in probes/taxonomy.yaml") }
        guard diagnostics.count == before, let language else { return }
        probes.append(Probe(id: id, text: prompt, language: language, topic: topic, category: category, expect: expect,
                            tags: tags, severity: severity, notes: text("notes")))
    }

    /// Pack ids name files: lowercase letters, digits and `-`, not starting with `-`.
    public static func isPackID(_ id: String) -> Bool {
        !id.isEmpty && !id.hasPrefix("-") && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func isProbeID(_ id: String) -> Bool {
        !id.isEmpty && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value) || (0x20000...0x2A6DF).contains(scalar.value)
    }
}
