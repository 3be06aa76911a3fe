import ArgumentParser
import CandorCore
import CandorYAML
import Foundation

/// `candor validate [paths...]`: strict checks of probe packs, policies and campaigns.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check probe packs, policies and campaigns for errors.",
        discussion: """
            With no paths, checks probes/, policies/ and audits/ under the current directory. \
            A path may be a Candor root (a folder holding those folders), one of those folders, or \
            a single file; files are checked together with the rest of their root so references \
            resolve. Every problem is reported as file:line:column: key: message. Exits 1 if any.
            """
    )

    @Argument(help: "Roots, folders or files to check (default: the current directory).")
    var paths: [String] = []

    func run() throws {
        let targets = paths.isEmpty ? ["."] : paths
        var total = 0
        var summary: [String] = []
        for path in targets {
            let url = URL(filePath: path)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw CLIError("no such file or folder: \(path)").exit
            }
            let (root, only) = DeclaredDataRoot.locate(url)
            let (data, diagnostics) = DeclaredData.load(root: root, only: only)
            for diagnostic in diagnostics {
                FileHandleOutput.standardError.write("\(diagnostic)\n")
            }
            total += diagnostics.count
            summary.append("\(path): \(data.packs.count) packs, \(data.packs.reduce(0) { $0 + $1.probes.count }) probes, \(data.policies.count) policies, \(data.campaigns.count) campaigns")
        }
        summary.forEach { print($0) }
        if total > 0 {
            throw CLIError("\(total) problem\(total == 1 ? "" : "s") found", code: .checkFailed).exit
        }
        print("ok")
    }
}

/// Finds the Candor root a path belongs to.
enum DeclaredDataRoot {
    static let kindFolders: Set<String> = [DeclaredData.probesFolder, DeclaredData.policiesFolder, DeclaredData.auditsFolder]

    /// The root to load and, for a single file or kind folder, the files to report on.
    static func locate(_ url: URL) -> (root: URL, only: [URL]?) {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        if isDirectory.boolValue {
            if kindFolders.contains(url.standardizedFileURL.lastPathComponent) {
                let files = (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? []
                return (url.deletingLastPathComponent(), files)
            }
            return (url, nil)
        }
        let folder = url.deletingLastPathComponent()
        return (folder.deletingLastPathComponent(), [url])
    }
}
