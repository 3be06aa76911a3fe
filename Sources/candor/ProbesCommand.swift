import ArgumentParser
import CandorCore
import CandorYAML
import Foundation

/// `candor probes ...`: look at the declared probes.
struct ProbesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probes",
        abstract: "List and import probes.",
        subcommands: [List.self, Import.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List probes, optionally filtered.",
            discussion: "Filters combine: a probe is listed when it matches every filter given."
        )

        @Option(help: "Candor root holding probes/, policies/ and audits/.")
        var root: String = "."
        @Option(help: "Only this pack (repeatable).")
        var pack: [String] = []
        @Option(help: "Only this category (repeatable).")
        var category: [String] = []
        @Option(help: "Only this topic (repeatable).")
        var topic: [String] = []
        @Option(help: "Only this language tag, e.g. en or zh-Hans (repeatable).")
        var language: [String] = []
        @Option(help: "Only probes with this tag (repeatable).")
        var tag: [String] = []
        @Flag(help: "Print only the count.")
        var count = false

        func run() throws {
            let data: DeclaredData
            do {
                data = try DeclaredData.loadValid(root: URL(filePath: root))
            } catch {
                throw CLIError("\(error)\nrun `candor validate` for details", code: .badInput).exit
            }
            let languages = try language.map { tag in
                guard let parsed = LanguageTag(rawValue: tag) else {
                    throw CLIError("--language '\(tag)' is not a BCP-47 tag such as en or zh-Hans").exit
                }
                return parsed
            }
            let selection = ProbeSelection(packs: pack, categories: category, topics: topic, languages: languages, tags: tag)
            let selected = selection.apply(to: data.packs)
            if count {
                print(selected.count)
                return
            }
            for (pack, probe) in selected {
                let text = probe.text.replacingOccurrences(of: "\n", with: " ")
                print("\(pack.id)/\(probe.id)\t\(probe.language)\t\(probe.category)\t\(probe.topic)\t\(probe.expect.rawValue)\t\(text)")
            }
        }
    }
}
