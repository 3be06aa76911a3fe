import ArgumentParser
import CandorCore
import CandorStore
import Foundation

/// `candor runs list | show`.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List audit runs and show one run's counts.",
        subcommands: [List.self, Show.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only runs of this campaign.") var campaign: String?
        @Option(help: "At most this many runs.") var limit: Int = 50

        func run() throws {
            let store = try database.openExisting()
            let runs = try store.runs(campaign: campaign, limit: limit)
            if runs.isEmpty {
                print("no runs\(campaign.map { " of campaign \($0)" } ?? "")")
                return
            }
            print(["run", "campaign", "target", "model", "status", "started", "attempts"].joined(separator: "\t"))
            for run in runs {
                let total = try store.counts(run: run.id, by: []).first?.count ?? 0
                print([String(run.id), run.campaign, run.target, run.model.name, run.status.rawValue, RunText.date(run.startedAt), String(total)].joined(separator: "\t"))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run: model identity, status and counts by category, label and outcome.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The run id (see `candor runs list`).") var id: Int64

        func run() throws {
            let store = try database.openExisting()
            guard let run = try store.run(id: id) else {
                throw CLIError("no run \(id) in \(database.url.path)", code: .badInput).exit
            }
            print("run \(run.id): campaign \(run.campaign), target \(run.target)")
            print("model: \(run.model.name) (\(run.model.source)) \(run.model.fingerprint)")
            print("status: \(run.status.rawValue), started \(RunText.date(run.startedAt)), finished \(run.finishedAt.map(RunText.date) ?? "-")")
            print("seed: \(run.seed), config \(run.configHash)")
            for (title, grouping) in [("state", [CandorStore.Grouping.state]), ("category", [.category]), ("label", [.label]), ("outcome", [.outcome]), ("category / outcome", [.category, .outcome])] {
                print("\nby \(title):")
                for count in try store.counts(run: run.id, by: grouping) {
                    print("  \(count.value)\t\(count.count)")
                }
            }
        }
    }
}

enum RunText {
    static func date(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
    }
}
