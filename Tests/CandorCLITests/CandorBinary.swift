import Foundation
import Testing

/// Runs the `candor` binary built next to this test bundle, as a user would.
enum CandorBinary {
    /// The built executable: the test process's own folder holds every product of the build.
    static var url: URL {
        get throws {
            let exe = URL(filePath: "/proc/self/exe").resolvingSymlinksInPath()
            let candidate = exe.deletingLastPathComponent().appending(path: "candor")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
                throw CLIFailure("the candor binary is not built at \(candidate.path); run `swift build --build-tests` first")
            }
            return candidate
        }
    }

    /// The package root (where probes/, policies/ and audits/ live).
    static let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `candor arguments...` in `directory` with `environment` added, and waits (bounded).
    static func run(_ arguments: [String], in directory: URL = packageRoot, environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = try url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a chatty process cannot block on a full pipe.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

extension CandorBinary {
    /// Starts a long-running `candor` command (a server) and returns it with the first line it
    /// prints (the announcement holding its URL). The caller terminates the process.
    static func startServer(_ arguments: [String], environment: [String: String] = [:]) throws -> (process: Process, announcement: String) {
        let process = Process()
        process.executableURL = try url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var announcement = ""
        // availableData blocks until the server writes or exits (then it returns empty data).
        while !announcement.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            announcement += String(decoding: chunk, as: UTF8.self)
        }
        return (process, announcement)
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
