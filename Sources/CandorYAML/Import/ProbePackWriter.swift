import CandorCore
import Foundation

/// Writes a probe pack as `probes/<pack>.yaml` text in the shipped packs' layout.
///
/// Every string is emitted double-quoted with YAML escapes, so no prompt text (colons, `#`,
/// leading dashes, quotes, control characters, line breaks) can change the document's structure.
public enum ProbePackWriter {
    public static func yaml(_ pack: ProbePack) -> String {
        var out = "pack: \(quoted(pack.id))\nversion: \(quoted(pack.version))\ndescription: \(quoted(pack.description))\nprobes:\n"
        for probe in pack.probes {
            out += "  - id: \(quoted(probe.id))\n"
            out += "    text: \(quoted(probe.text))\n"
            out += "    language: \(quoted(probe.language.rawValue))\n"
            out += "    topic: \(quoted(probe.topic))\n"
            out += "    category: \(quoted(probe.category))\n"
            out += "    expect: \(probe.expect.rawValue)\n"
            if let control = probe.controlFor { out += "    control_for: \(quoted(control.description))\n" }
            if !probe.tags.isEmpty { out += "    tags: [\(probe.tags.map(quoted).joined(separator: ", "))]\n" }
            out += "    severity: \(probe.severity.rawValue)\n"
            if let notes = probe.notes { out += "    notes: \(quoted(notes))\n" }
        }
        return out
    }

    /// Writes `probes/<pack.id>.yaml` under `root` only if the written text loads back, through
    /// the same validator as `candor validate`, as exactly this pack. The file appears atomically.
    public static func write(_ pack: ProbePack, root: URL) throws(ValidationFailure) {
        let text = yaml(pack)
        let scratch = FileManager.default.temporaryDirectory.appending(path: "candor-import-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appending(path: "probes/\(pack.id).yaml")
        func failure(_ message: String) -> ValidationFailure {
            ValidationFailure(diagnostics: [Diagnostic(file: file.path, line: 0, column: 0, keyPath: "", message: message)])
        }
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: root.appending(path: "probes/taxonomy.yaml"), to: scratch.appending(path: "probes/taxonomy.yaml"))
            try Data(text.utf8).write(to: file)
        } catch { throw failure("cannot prepare the check: \(error.localizedDescription)") }
        let (data, diagnostics) = DeclaredData.load(root: scratch)
        guard diagnostics.isEmpty else { throw ValidationFailure(diagnostics: diagnostics) }
        guard data.pack(pack.id) == pack else { throw failure("the written pack reads back differently") }
        do {
            try Data(text.utf8).write(to: root.appending(path: "probes/\(pack.id).yaml"), options: .atomic)
        } catch { throw failure("cannot write: \(error.localizedDescription)") }
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF:
                out += "\\u" + String(repeating: "0", count: max(0, 4 - String(scalar.value, radix: 16).count)) + String(scalar.value, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
