import CandorCore
import Crypto
import Foundation
import GRDB

/// Candor's findings store: one SQLite file (WAL, foreign keys on) holding model identities,
/// versioned probes and policies, campaigns, runs, attempts and verdicts.
///
/// All methods are synchronous and safe to call from any thread or task: GRDB's pool serialises
/// writes and lets reads run concurrently. Every write is its own committed transaction.
public final class CandorStore: Sendable {
    let pool: DatabasePool
    /// The database file.
    public let url: URL

    /// Opens (creating if needed, with parent folders) and migrates the database at `url`.
    public init(url: URL) throws(StoreError) {
        self.url = url
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(10)
            configuration.label = "candor"
            // WAL with synchronous=NORMAL: a commit is durable against a crash of the process
            // (SIGKILL, Ctrl-C) and costs no fsync; a power cut can lose the last commits, which
            // then stay pending and are sent again on resume, never duplicated.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            pool = try DatabasePool(path: url.path, configuration: configuration)
            try Migrations.migrator.migrate(pool)
        } catch {
            throw StoreError("cannot open the database at \(url.path): \(error)")
        }
    }

    /// The database path: `explicit` (from `--db`), else `$CANDOR_DB`, else
    /// `$XDG_DATA_HOME/candor/candor.sqlite`, else `~/.local/share/candor/candor.sqlite`.
    public static func defaultURL(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit, !explicit.isEmpty { return URL(filePath: explicit) }
        if let path = environment["CANDOR_DB"], !path.isEmpty { return URL(filePath: path) }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : URL(filePath: $0) }
            ?? URL(filePath: environment["HOME"] ?? NSHomeDirectory()).appending(path: ".local/share")
        return dataHome.appending(path: "candor/candor.sqlite")
    }

    /// Names of the migrations applied to this database, in order.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    // MARK: Transactions

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw StoreError("read failed: \(error)") }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch let error as StoreError { throw error } catch { throw StoreError("write failed: \(error)") }
    }

    // MARK: Hashing and encoding

    /// SHA-256 of `text`'s UTF-8 bytes, in hex: the content hash used for every version id.
    public static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        return try? Date(text, strategy: .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}

/// A store failure, with what was being done.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
