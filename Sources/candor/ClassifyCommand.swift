import ArgumentParser
import CandorClassifiers
import CandorCore
import CandorStore
import CandorYAML
import Foundation

/// `candor classify`: label transcripts that come from elsewhere.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Label answers from a JSON Lines file with a policy's detectors.",
        discussion: """
            Each input line is a JSON object with "prompt" and "response" (a string; empty or null \
            is allowed) and optionally "id", "reasoning", "language" (en, zh-Hans, ...), "expect" \
            (answer | refuse) and "category". Each output line, in input order, has "id" (the given \
            id, else the 1-based line number), "label", "confidence", "outcome" (when "expect" is \
            given) and "evidence". A malformed line is reported on standard error with its line \
            number and skipped. Input streams: files of any size work in bounded memory; lines are \
            classified in chunks of \(chunkSize), so output follows input a chunk at a time.
            """
    )

    @Option(help: "JSON Lines input file, or - for standard input.") var input: String
    @Option(help: "A policy id under ./policies, or a path to a policy YAML file.") var policy: String = "default"
    @Option(help: "Write here instead of standard output.") var output: String?
    @OptionGroup var embeddings: EmbeddingOptions

    func run() throws {
        let (loaded, version) = try Self.loadPolicy(policy)
        let engine: VerdictEngine
        do {
            engine = try VerdictEngine(policy: loaded, policyVersion: version, embedder: embeddings.load())
        } catch {
            throw CLIError("policy \(loaded.id): \(error)", code: .badInput).exit
        }
        var sink = try OutputSink(path: output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var skipped = 0
        // Lines are classified in chunks, so that the sentence embeddings of a chunk's answers are
        // computed together (VerdictEngine.classify(batch:)); memory stays bounded by the chunk.
        var chunk: [(id: String, input: ClassificationInput)] = []
        func flush() throws {
            for (item, verdict) in zip(chunk, engine.classify(batch: chunk.map(\.input))) {
                let out = OutputLine(id: item.id, label: verdict.label.rawValue, confidence: verdict.confidence,
                                     outcome: verdict.outcome?.rawValue, evidence: verdict.evidence)
                sink.write(String(decoding: try encoder.encode(out), as: UTF8.self) + "\n")
            }
            chunk.removeAll(keepingCapacity: true)
        }
        for (index, line) in try LineReader(path: input).enumerated() {
            let number = index + 1
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let record: InputLine
            do {
                record = try JSONDecoder().decode(InputLine.self, from: Data(line.utf8))
            } catch {
                FileHandleOutput.standardError.write("candor: \(input):\(number): skipped: \(Self.describe(error))\n")
                skipped += 1
                continue
            }
            var language: LanguageTag?
            if let tag = record.transcript.language {
                language = LanguageTag(rawValue: tag)
                if language == nil {
                    FileHandleOutput.standardError.write("candor: \(input):\(number): skipped: \"language\" '\(tag)' is not a BCP-47 tag such as en or zh-Hans\n")
                    skipped += 1
                    continue
                }
            }
            chunk.append((record.id?.text ?? String(number), record.transcript.input(language: language)))
            if chunk.count == Self.chunkSize { try flush() }
        }
        try flush()
        sink.close()
        if skipped > 0 {
            FileHandleOutput.standardError.write("candor: \(skipped) malformed line\(skipped == 1 ? "" : "s") skipped\n")
        }
    }

    /// Lines classified together (see ``run()``).
    static let chunkSize = 64

    /// The policy named by an id under ./policies or by a YAML path, and its version hash.
    /// - Parameter answerModel: `false` loads the policy without its learned answer model.
    static func loadPolicy(_ reference: String, answerModel: Bool = true) throws -> (Policy, String) {
        let isPath = reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") || reference.contains("/")
        let url = isPath ? URL(filePath: reference) : URL(filePath: "policies/\(reference).yaml")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CLIError("no policy '\(reference)' (looked for \(url.path))").exit
        }
        let root = url.deletingLastPathComponent().deletingLastPathComponent()
        let (data, diagnostics) = DeclaredData.load(root: root, only: [url], answerModels: answerModel)
        guard diagnostics.isEmpty, let policy = data.policies[url.deletingPathExtension().lastPathComponent] else {
            throw CLIError("invalid policy:\n" + diagnostics.map(\.description).joined(separator: "\n")).exit
        }
        return (policy, CandorStore.policyVersion(policy))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type: \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty ? "not a JSON object" : "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\": \(context.debugDescription)"
        default: "\(error)"
        }
    }

    /// A transcript line with its optional `id`.
    struct InputLine: Decodable {
        var id: FlexibleID?
        var transcript: Transcript

        private enum CodingKeys: String, CodingKey { case id }

        init(from decoder: any Decoder) throws {
            id = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(FlexibleID.self, forKey: .id)
            transcript = try Transcript(from: decoder)
        }
    }

    /// An id given as a string or a number.
    struct FlexibleID: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) { text = string } else { text = String(try container.decode(Int64.self)) }
        }
    }

    struct OutputLine: Encodable {
        var id: String
        var label: String
        var confidence: Double
        var outcome: String?
        var evidence: [Evidence]
    }
}
