import ArgumentParser

/// The `candor` command: audits language models for censorship and unsafe behaviour.
///
/// Each subcommand lives in its own file; errors are rendered in one place (``CLIError``).
@main
struct Candor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candor",
        abstract: "Audit language models for censorship and unsafe behaviour.",
        discussion: """
            Candor sends politically sensitive, harmful and matched control prompts to a model, \
            classifies every answer (refused, deflected, complied, state narrative, ...), stores \
            the findings in SQLite and turns them into diffs and reports.

            Exit codes: 0 success; 1 a check failed (validation errors, a failing gate); \
            2 bad usage or unreadable input; 3 a model or store could not be opened.
            """,
        version: CandorVersion.string,
        subcommands: [
            // Keep one line per subcommand; each command's type is in its own file.
            ValidateCommand.self,
            ProbesCommand.self,
            RunsCommand.self,
            ExportCommand.self,
            ClassifyCommand.self,
            TrainVerdictsCommand.self,
            GenerateCommand.self,
            ChatCommand.self,
            ServeModelCommand.self,
            ServeCommand.self,
            ModelsCommand.self,
            AuditCommand.self,
            ResumeCommand.self,
            DiffCommand.self,
            ReportCommand.self,
            VerifyCommand.self,
        ]
    )
}

enum CandorVersion {
    static let string = "0.1.0"
}
