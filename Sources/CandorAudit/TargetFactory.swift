import CandorCore
import CandorTargets

/// Turns a campaign's target description into a live target.
public enum TargetFactory {
    public static func make(_ description: TargetDescription) throws(AuditError) -> any AuditTarget {
        switch description.kind {
        case .bundled(let model):
            do { return try LocalModelTarget(name: description.name, model: model) } catch {
                throw AuditError(.unavailable, "\(description.name): \(error)")
            }
        case .openAICompatible(let baseURL, let model, let keyVariable):
            return OpenAICompatibleTarget(name: description.name, baseURL: baseURL, model: model, apiKeyEnvironmentVariable: keyVariable)
        case .ollama(let baseURL, let model):
            return OllamaTarget(name: description.name, baseURL: baseURL, model: model)
        }
    }
}
