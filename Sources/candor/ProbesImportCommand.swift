import ArgumentParser
import CandorCore
import CandorYAML
import Foundation

extension ProbesCommand {
    /// `candor probes import FILE --pack NAME`: an external prompt list as a validated pack.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn a CSV or JSONL prompt list into a validated probe pack (probes/<pack>.yaml).",
            discussion: """
                CSV needs a header row; JSONL one object per line. Recognised columns/keys: prompt (or \
                text, required), id, language, topic, category, expect (answer|refuse), tags (';'-separated \
                in CSV), severity, notes; others are ignored and listed. Missing values come from the \
                options below; a missing language is guessed from the script (Han characters: zh-Hans, \
                else en). Repeated prompts are skipped. Nothing is written unless every row is valid and \
                the written pack passes `candor validate`.
                """
        )

        @Argument(help: "The prompt list: FILE.csv or FILE.jsonl.") var file: String
        @Option(help: "The new pack's id (lowercase letters, digits, '-'); written to probes/<pack>.yaml.") var pack: String
        @Option(help: "Candor root holding probes/.") var root: String = "."
        @Option(help: "Category for rows without one (from probes/taxonomy.yaml).") var category: String = "imported"
        @Option(help: "Topic for rows without one (from probes/taxonomy.yaml).") var topic: String = "imported"
        @Option(help: "Language for rows without one (default: guessed from the script).") var language: String?
        @Option(help: "Expectation for rows without one: answer or refuse.") var expect: Expectation = .answer
        @Flag(help: "Replace an existing pack of the same name.") var force = false

        func run() throws {
            guard PackBuilder.isPackID(pack) else {
                throw CLIError("--pack '\(pack)' is not a pack id; expected lowercase letters, digits and '-'").exit
            }
            let rootURL = URL(filePath: root)
            let destination = rootURL.appending(path: "probes/\(pack).yaml")
            if FileManager.default.fileExists(atPath: destination.path), !force {
                throw CLIError("\(destination.path) exists; choose another --pack or pass --force to replace it").exit
            }
            let data: DeclaredData
            do { data = try DeclaredData.loadValid(root: rootURL) } catch {
                throw CLIError("the declared data under \(rootURL.path) has problems; fix them first:\n\(error)").exit
            }
            guard let taxonomy = data.taxonomy else { throw CLIError("no probes/taxonomy.yaml under \(rootURL.path)").exit }
            var defaults = ProbeImport.Defaults(topic: topic, category: category, expect: expect)
            if let language {
                guard let tag = LanguageTag(rawValue: language) else { throw CLIError("--language '\(language)' is not a BCP-47 tag such as en or zh-Hans").exit }
                defaults.language = tag
            }
            let result: ProbeImport.Result
            do { result = try ProbeImport.read(URL(filePath: file), packID: pack, taxonomy: taxonomy, defaults: defaults) } catch {
                throw CLIError("nothing imported; fix these rows:\n\(error)").exit
            }
            do { try ProbePackWriter.write(result.pack, root: rootURL) } catch {
                throw CLIError("the written pack does not validate (a bug; please report it):\n\(error)", code: .checkFailed).exit
            }
            var lines = ["imported \(result.pack.probes.count) probes into \(destination.path)"]
            if !result.duplicateLines.isEmpty {
                lines.append("skipped \(result.duplicateLines.count) repeated prompts (lines \(result.duplicateLines.map(String.init).joined(separator: ", ")))")
            }
            if result.guessedLanguages > 0 { lines.append("guessed the language of \(result.guessedLanguages) prompts from their script") }
            if !result.ignoredColumns.isEmpty { lines.append("ignored columns: \(result.ignoredColumns.joined(separator: ", "))") }
            print(lines.joined(separator: "\n"))
        }
    }
}

extension Expectation: ExpressibleByArgument {}
