import ArgumentParser
import LLMCatalog
import LLMEngine

/// `--no-embeddings`, shared by the commands that classify answers.
///
/// By default the policy's embedding detectors run when the all-MiniLM-L6-v2 model is in the
/// model cache (`make models` or `candor models pull all-minilm-l6-v2`); without it, answers are
/// classified by patterns alone and a note says so.
struct EmbeddingOptions: ParsableArguments {
    @Flag(name: .customLong("no-embeddings"), help: "Classify with patterns and rules only (no sentence-embedding detectors).")
    var noEmbeddings = false

    func load() -> SentenceEmbedder? {
        if noEmbeddings { return nil }
        do {
            return try SentenceEmbedder(folder: ModelCatalog.bundled.locate("all-minilm-l6-v2"))
        } catch {
            FileHandleOutput.standardError.write("candor: note: embedding detectors off (\(error)); run `candor models pull all-minilm-l6-v2` to enable them\n")
            return nil
        }
    }
}
