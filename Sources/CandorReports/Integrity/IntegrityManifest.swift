import CandorCore
import Crypto
import Foundation

/// A tamper-evident digest of every attempt and verdict a report is based on.
///
/// Each finding is serialised canonically and hashed (SHA-256); the digests are chained in
/// attempt-key order, `head = SHA-256(previous head ‖ record digest)`, starting from the SHA-256
/// of ``IntegrityManifest/algorithm``. Changing, adding or removing any stored row changes the
/// head; ``verify(findings:)`` names the first record that differs. Optionally the head is
/// signed with Ed25519.
public struct IntegrityManifest: Sendable, Codable, Hashable {
    public static let algorithm = "candor-sha256-chain-v1"

    public struct Record: Sendable, Codable, Hashable {
        /// `run/probe-version/mutator/sample`.
        public var attempt: String
        public var digest: String
    }

    public var algorithm: String
    public var records: [Record]
    public var head: String
    /// Base64 raw Ed25519 public key, when signed.
    public var publicKey: String?
    /// Base64 Ed25519 signature of the head's bytes, when signed.
    public var signature: String?

    public init(findings: [Finding], signingKey: Data? = nil) {
        algorithm = Self.algorithm
        records = Self.records(for: findings)
        head = Self.chain(records)
        if let signingKey, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: signingKey),
           let signature = try? key.signature(for: Data(head.utf8)) {
            publicKey = key.publicKey.rawRepresentation.base64EncodedString()
            self.signature = signature.base64EncodedString()
        }
    }

    /// What verification found.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        case unknownAlgorithm(String)
        case recordDiffers(attempt: String)
        case recordMissing(attempt: String)
        case recordAdded(attempt: String)
        case headMismatch
        case badSignature
        case unexpectedKey

        public var description: String {
            switch self {
            case .unknownAlgorithm(let name): "unknown manifest algorithm '\(name)'"
            case .recordDiffers(let attempt): "attempt \(attempt) differs from the report (its answer, verdict or evidence was changed)"
            case .recordMissing(let attempt): "attempt \(attempt) is in the report but not in the store"
            case .recordAdded(let attempt): "attempt \(attempt) is in the store but not in the report"
            case .headMismatch: "the chain head does not match the records"
            case .badSignature: "the signature does not match the chain head"
            case .unexpectedKey: "the report was signed with a different key than the one expected"
            }
        }
    }

    /// Recomputes the chain from `findings` (read back from the store) and checks it and the
    /// signature; returns the first problem, or `nil` when everything matches.
    public func verify(findings: [Finding], expectedPublicKey: Data? = nil) -> Problem? {
        guard algorithm == Self.algorithm else { return .unknownAlgorithm(algorithm) }
        let recomputed = Self.records(for: findings)
        let stored = Dictionary(recomputed.map { ($0.attempt, $0.digest) }, uniquingKeysWith: { a, _ in a })
        for record in records {
            guard let digest = stored[record.attempt] else { return .recordMissing(attempt: record.attempt) }
            if digest != record.digest { return .recordDiffers(attempt: record.attempt) }
        }
        let reported = Set(records.map(\.attempt))
        if let extra = recomputed.first(where: { !reported.contains($0.attempt) }) {
            return .recordAdded(attempt: extra.attempt)
        }
        if Self.chain(records) != head { return .headMismatch }
        return verifySignature(expectedPublicKey: expectedPublicKey)
    }

    /// Checks the signature alone (and, if given, that it was made with `expectedPublicKey`).
    public func verifySignature(expectedPublicKey: Data? = nil) -> Problem? {
        guard let publicKey, let signature else {
            return expectedPublicKey == nil ? nil : .badSignature
        }
        guard let keyData = Data(base64Encoded: publicKey), let signatureData = Data(base64Encoded: signature),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyData)
        else { return .badSignature }
        if let expectedPublicKey, expectedPublicKey != keyData { return .unexpectedKey }
        return key.isValidSignature(signatureData, for: Data(head.utf8)) ? nil : .badSignature
    }

    static func records(for findings: [Finding]) -> [Record] {
        findings.sorted { $0.attempt.key < $1.attempt.key }.map { finding in
            let key = finding.attempt.key
            return Record(
                attempt: "\(key.runID)/\(key.probeVersion)/\(key.mutator)/\(key.sample)",
                digest: SHA256.hash(data: canonicalBytes(finding)).hexString
            )
        }
    }

    static func chain(_ records: [Record]) -> String {
        var head = SHA256.hash(data: Data(algorithm.utf8)).hexString
        for record in records {
            head = SHA256.hash(data: Data((head + record.digest).utf8)).hexString
        }
        return head
    }

    /// The fields of an attempt and its verdict that a report vouches for, in a fixed order.
    static func canonicalBytes(_ finding: Finding) -> Data {
        let a = finding.attempt
        var fields: [String] = [
            String(a.key.runID), a.key.probeVersion, a.key.mutator, String(a.key.sample), a.probe.description,
            a.renderedPrompt, a.systemPrompt ?? "\u{0}", a.state.rawValue, a.answer ?? "\u{0}", a.reasoning ?? "\u{0}",
            a.error ?? "\u{0}",
        ]
        if let v = finding.verdict {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let evidence = (try? encoder.encode(v.evidence)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            fields += [v.label.rawValue, String(format: "%.6f", v.confidence), v.outcome?.rawValue ?? "\u{0}", v.policyID, v.policyVersion, evidence]
        } else {
            fields.append("no-verdict")
        }
        return Data(fields.joined(separator: "\u{1F}").utf8)
    }
}

extension Digest {
    var hexString: String {
        map { String(format: "%02x", $0) }.joined()
    }
}
