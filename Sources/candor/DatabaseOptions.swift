import ArgumentParser
import CandorStore
import Foundation

/// `--db PATH`, shared by every command that reads or writes findings.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "The SQLite file holding findings.",
        discussion: "Default: $CANDOR_DB, else $XDG_DATA_HOME/candor/candor.sqlite, else ~/.local/share/candor/candor.sqlite.",
        valueName: "path"
    ))
    var path: String?

    var url: URL { CandorStore.defaultURL(explicit: path) }

    /// Opens the store, or exits with code 3 and a message naming the file.
    func open() throws -> CandorStore {
        do {
            return try CandorStore(url: url)
        } catch {
            throw CLIError("\(error)", code: .unavailable).exit
        }
    }

    /// Opens the store only if the file exists (read-only commands should not create one).
    func openExisting() throws -> CandorStore {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CLIError("no database at \(url.path); run an audit first or pass --db", code: .unavailable).exit
        }
        return try open()
    }
}
