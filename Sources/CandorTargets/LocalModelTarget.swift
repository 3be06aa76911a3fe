import CandorCore
import Foundation
import LLMCatalog
import LLMEngine
import LLMTokenizers

/// The bundled engine as an audit target: prompts are rendered with the model's own chat
/// template and generated in-process; concurrent requests are decoded together in batches.
public final class LocalModelTarget: AuditTarget {
    public let name: String
    public let model: String
    public let url: URL
    let engine: LanguageModel
    let batcher: GenerationBatcher

    /// - Parameters:
    ///   - model: a catalog id or a path to a GGUF file.
    ///   - maxBatch: prompts decoded together at most.
    public init(name: String, model: String, threads: Int? = nil, maxBatch: Int = 8) throws(TargetError) {
        self.name = name
        self.model = model
        do {
            url = try ModelCatalog.bundled.locate(model)
        } catch {
            throw TargetError(.unavailable, "\(error)")
        }
        do {
            engine = try LanguageModel(url: url, threads: threads)
        } catch {
            throw TargetError(.unavailable, "cannot load \(url.path): \(error)")
        }
        batcher = GenerationBatcher(engine: engine, maxBatch: maxBatch)
    }

    public func identity() async throws(TargetError) -> ModelIdentity {
        let sha256: String
        if let entry = ModelCatalog.bundled.entry(model) {
            sha256 = entry.sha256
        } else {
            do {
                sha256 = try ModelPuller.sha256(of: url)
            } catch {
                throw TargetError(.unavailable, "\(error)")
            }
        }
        return ModelIdentity(
            name: ModelCatalog.bundled.entry(model)?.id ?? url.deletingPathExtension().lastPathComponent,
            source: "bundled", fingerprint: sha256,
            parameters: ["architecture": engine.architecture, "file": url.lastPathComponent, "context": String(engine.contextLength)]
        )
    }

    public func send(_ request: TargetRequest) async throws(TargetError) -> TargetResponse {
        let tokens: [Int32]
        do {
            tokens = try engine.tokenizer.encode(engine.template.render(prompt: request.prompt, system: request.systemPrompt))
        } catch {
            throw TargetError(.unavailable, "\(error)")
        }
        let parameters = SamplingParameters(
            temperature: Float(request.temperature), topP: Float(request.topP), seed: request.seed, maxTokens: request.maxTokens
        )
        guard !Task.isCancelled else { throw TargetError(.cancelled, "cancelled before generation") }
        let result = await batcher.generate(tokens, parameters)
        let split = ThinkSplit.split(result.text)
        let requestJSON = "{\"max_tokens\":\(request.maxTokens),\"seed\":\(request.seed),\"temperature\":\(request.temperature),\"top_p\":\(request.topP)}"
        return TargetResponse(
            text: split.answer, reasoning: split.reasoning, promptTokens: result.promptTokens, completionTokens: result.tokens.count,
            reportedModel: model, finishReason: result.finishReason.rawValue, requestParameters: requestJSON
        )
    }
}

/// Collects concurrent generation requests and decodes them together, one forward pass per
/// step over every running sequence (``LanguageModel/generate(batch:parameters:onToken:)``).
actor GenerationBatcher {
    let engine: LanguageModel
    let maxBatch: Int
    private var pending: [(tokens: [Int32], parameters: SamplingParameters, continuation: CheckedContinuation<GenerationResult, Never>)] = []
    private var running = false

    init(engine: LanguageModel, maxBatch: Int) {
        self.engine = engine
        self.maxBatch = max(1, maxBatch)
    }

    func generate(_ tokens: [Int32], _ parameters: SamplingParameters) async -> GenerationResult {
        await withCheckedContinuation { continuation in
            pending.append((tokens, parameters, continuation))
            if !running {
                running = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            // Let requests that arrive together join the same batch.
            await Task.yield()
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            let engine = self.engine
            let prompts = batch.map(\.tokens), parameters = batch.map(\.parameters)
            let results = await Task.detached(priority: .userInitiated) {
                engine.generate(batch: prompts, parameters: parameters)
            }.value
            for (request, result) in zip(batch, results) { request.continuation.resume(returning: result) }
        }
        running = false
    }
}

/// Separates a leading `<think>…</think>` block from an answer.
enum ThinkSplit {
    static func split(_ text: String) -> (answer: String, reasoning: String?) {
        let trimmed = text.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("<think>") else { return (text, nil) }
        let body = trimmed.dropFirst("<think>".count)
        guard let close = body.range(of: "</think>") else { return ("", String(body)) }
        return (String(body[close.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines),
                String(body[..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
