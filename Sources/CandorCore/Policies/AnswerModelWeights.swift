import Foundation

/// A linear model over hashed n-grams of the question and the answer, trained on labelled answers
/// (`candor train-verdicts`), that a policy may declare beside its detectors. The verdict engine
/// consults it last: when its most probable label differs from the detectors' and reaches
/// ``threshold`` (over the default `complied`) or ``overrule`` (over any label the detectors and
/// rules gave), that label replaces theirs. Empty answers and failed attempts are never overruled.
///
/// The domain keeps the numbers only; how a text becomes features (``featureSet``) is the
/// classifiers module's business.
public struct AnswerModelWeights: Sendable, Hashable, Codable {
    public static let knownFeatureSets: Set<String> = ["ngrams-v1"]
    /// Names the feature extraction the weights were trained for (e.g. `ngrams-v1`).
    public var featureSet: String
    /// Hashed feature buckets per text block.
    public var buckets: Int
    /// The labels, in the order of each bucket's weights and of ``bias``.
    public var labels: [Label]
    /// `blocks × buckets × labels.count` weights, bucket-major: the weights of bucket `b` of block
    /// `k` for every label start at `(k × buckets + b) × labels.count`.
    public var weights: [Float]
    public var bias: [Float]
    /// Probability at or above which a label other than `complied` replaces `complied`.
    public var threshold: Double
    /// Probability at or above which the model's label replaces any other label of the detectors
    /// (`nil`: never).
    public var overrule: Double?
    /// What the model was trained on and how (files with their SHA-256, examples, iterations,
    /// regularisation), for the record.
    public var training: String
    /// When present, decides between the detectors' label and the model's in place of
    /// ``threshold`` and ``overrule``.
    public var combiner: Combiner?
    /// A second model that also reads sentence embeddings of the answer and the question,
    /// consulted when embeddings are on and the combiner is unsure.
    public var refinement: Refinement?

    public init(featureSet: String, buckets: Int, labels: [Label], weights: [Float], bias: [Float], threshold: Double, overrule: Double? = nil, training: String, combiner: Combiner? = nil, refinement: Refinement? = nil) {
        self.featureSet = featureSet
        self.buckets = buckets
        self.labels = labels
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        self.overrule = overrule
        self.training = training
        self.combiner = combiner
        self.refinement = refinement
    }

    /// A second, small logistic regression that gives the final label from the detectors' label
    /// and the model's probabilities: how far to trust each on an author neither was fitted to.
    /// Its inputs, for the model's `n` labels: the detectors' label one-hot (`n`), the log of each
    /// model probability (`n`, floored at 10⁻⁶), and their products (`n × n`, detector label
    /// major); each standardised by ``mean`` and ``scale``. Its outputs are the model's labels.
    public struct Combiner: Sendable, Hashable, Codable {
        public var mean: [Double]
        public var scale: [Double]
        /// `inputs × labels` weights, input-major.
        public var weights: [Double]
        public var bias: [Double]
        /// The groups of labelled answers (authors) it was fitted on.
        public var groups: [String]
        /// How it was fitted, for the record.
        public var training: String

        public init(mean: [Double], scale: [Double], weights: [Double], bias: [Double], groups: [String], training: String) {
            self.mean = mean
            self.scale = scale
            self.weights = weights
            self.bias = bias
            self.groups = groups
            self.training = training
        }

        /// Inputs for a model of `labels` labels.
        public static func inputs(labels: Int) -> Int { labels * (labels + 2) }

        /// Whether the numbers fit a model of `labels` labels.
        public func fits(labels: Int) -> Bool {
            let inputs = Self.inputs(labels: labels)
            return mean.count == inputs && scale.count == inputs && weights.count == inputs * labels && bias.count == labels
                && scale.allSatisfy { $0 > 0 && $0.isFinite } && (mean + weights + bias).allSatisfy(\.isFinite)
        }
    }

    /// The answer model again, trained with three more kinds of input: the sentence embedding of
    /// the answer (its first tokens, as the embedding model truncates them), scaled by
    /// ``answerScale``, and the cosine between the answer's and the question's embeddings with its
    /// square (how far the answer stays on the question's subject). It has its own combiner. The
    /// verdict engine consults it only with embeddings on and only where the main combiner's most
    /// probable label has less than ``consultBelow``: an embedding costs more than all the
    /// patterns, and where the main combiner is sure the refinement rarely disagrees.
    public struct Refinement: Sendable, Hashable, Codable {
        /// The sentence-embedding model (catalog id) whose vectors the weights expect.
        public var embeddingModel: String
        public var dimensions: Int
        public var answerScale: Float
        public var consultBelow: Double
        /// The n-gram weights, laid out as ``AnswerModelWeights/weights`` (same blocks and buckets).
        public var weights: [Float]
        /// `(dimensions + 2) × labels` weights, input-major: the scaled answer vector, then the
        /// cosine and its square.
        public var embeddingWeights: [Float]
        public var bias: [Float]
        public var combiner: Combiner
        public var training: String

        public init(embeddingModel: String, dimensions: Int, answerScale: Float, consultBelow: Double, weights: [Float], embeddingWeights: [Float], bias: [Float], combiner: Combiner, training: String) {
            self.embeddingModel = embeddingModel
            self.dimensions = dimensions
            self.answerScale = answerScale
            self.consultBelow = consultBelow
            self.weights = weights
            self.embeddingWeights = embeddingWeights
            self.bias = bias
            self.combiner = combiner
            self.training = training
        }

        /// Embedding inputs for vectors of `dimensions` values.
        public static func inputs(dimensions: Int) -> Int { dimensions + 2 }

        private enum CodingKeys: String, CodingKey {
            case embeddingModel = "embedding_model", dimensions, answerScale = "answer_scale", consultBelow = "consult_below"
            case weights, embeddingWeights = "embedding_weights", bias, combiner, training
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            embeddingModel = try container.decode(String.self, forKey: .embeddingModel)
            dimensions = try container.decode(Int.self, forKey: .dimensions)
            answerScale = try container.decode(Float.self, forKey: .answerScale)
            consultBelow = try container.decode(Double.self, forKey: .consultBelow)
            bias = try container.decode([Float].self, forKey: .bias)
            combiner = try container.decode(Combiner.self, forKey: .combiner)
            training = try container.decode(String.self, forKey: .training)
            weights = try AnswerModelWeights.decodeFloats(container, forKey: .weights)
            embeddingWeights = try AnswerModelWeights.decodeFloats(container, forKey: .embeddingWeights)
            guard dimensions > 0, embeddingWeights.count == Self.inputs(dimensions: dimensions) * bias.count else {
                throw DecodingError.dataCorruptedError(forKey: .embeddingWeights, in: container,
                    debugDescription: "expected (dimensions + 2) × labels = \(Self.inputs(dimensions: max(0, dimensions))) × \(bias.count) weights, got \(embeddingWeights.count)")
            }
            guard consultBelow > 0, consultBelow <= 1.0001 else {
                throw DecodingError.dataCorruptedError(forKey: .consultBelow, in: container, debugDescription: "expected a probability above 0 and at most 1, got \(consultBelow)")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(embeddingModel, forKey: .embeddingModel)
            try container.encode(dimensions, forKey: .dimensions)
            try container.encode(answerScale, forKey: .answerScale)
            try container.encode(consultBelow, forKey: .consultBelow)
            try container.encode(bias, forKey: .bias)
            try container.encode(combiner, forKey: .combiner)
            try container.encode(training, forKey: .training)
            try AnswerModelWeights.encodeFloats(weights, in: &container, forKey: .weights)
            try AnswerModelWeights.encodeFloats(embeddingWeights, in: &container, forKey: .embeddingWeights)
        }
    }

    /// Text blocks the weights cover (``weights`` holds a whole number of them).
    public var blocks: Int { labels.isEmpty || buckets == 0 ? 0 : weights.count / (buckets * labels.count) }

    private enum CodingKeys: String, CodingKey {
        case featureSet = "feature_set", buckets, labels, weights, bias, threshold, overrule, training, combiner, refinement
    }

    /// `values` as base64 of little-endian Float32, under `key`.
    static func encodeFloats<Key: CodingKey>(_ values: [Float], in container: inout KeyedEncodingContainer<Key>, forKey key: Key) throws {
        try container.encode(data(of: values).base64EncodedString(), forKey: key)
    }

    /// Base64 of little-endian Float32 values, under `key`.
    static func decodeFloats<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, forKey key: Key) throws -> [Float] {
        let encoded = try container.decode(String.self, forKey: key)
        guard let data = Data(base64Encoded: encoded), data.count % 4 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "expected base64 of little-endian Float32 values")
        }
        return floats(from: data)
    }

    // The weights travel as base64 of little-endian Float32 (a quarter of the size of decimal
    // text, and exact), so a stored policy definition stays small and hashes the same everywhere.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        featureSet = try container.decode(String.self, forKey: .featureSet)
        buckets = try container.decode(Int.self, forKey: .buckets)
        labels = try container.decode([Label].self, forKey: .labels)
        bias = try container.decode([Float].self, forKey: .bias)
        threshold = try container.decode(Double.self, forKey: .threshold)
        overrule = try container.decodeIfPresent(Double.self, forKey: .overrule)
        training = try container.decode(String.self, forKey: .training)
        combiner = try container.decodeIfPresent(Combiner.self, forKey: .combiner)
        refinement = try container.decodeIfPresent(Refinement.self, forKey: .refinement)
        weights = try Self.decodeFloats(container, forKey: .weights)
        guard buckets > 0, !labels.isEmpty, bias.count == labels.count, !weights.isEmpty, weights.count % (buckets * labels.count) == 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .weights, in: container,
                debugDescription: "expected a multiple of buckets × labels (\(buckets) × \(labels.count)) weights and one bias per label; got \(weights.count) weights and \(bias.count) biases")
        }
        if let combiner, !combiner.fits(labels: labels.count) {
            let inputs = Combiner.inputs(labels: labels.count)
            throw DecodingError.dataCorruptedError(
                forKey: .combiner, in: container,
                debugDescription: "expected \(inputs) finite means, \(inputs) positive scales, \(inputs) × \(labels.count) weights and \(labels.count) biases for \(labels.count) labels; got \(combiner.mean.count), \(combiner.scale.count), \(combiner.weights.count) and \(combiner.bias.count)")
        }
        if let refinement {
            guard combiner != nil, refinement.weights.count == weights.count, refinement.bias.count == labels.count,
                  refinement.combiner.fits(labels: labels.count) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .refinement, in: container,
                    debugDescription: "expected a main combiner, \(weights.count) n-gram weights, \(labels.count) biases and a combiner for \(labels.count) labels; got \(combiner == nil ? "no main combiner, " : "")\(refinement.weights.count) weights and \(refinement.bias.count) biases")
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(featureSet, forKey: .featureSet)
        try container.encode(buckets, forKey: .buckets)
        try container.encode(labels, forKey: .labels)
        try container.encode(bias, forKey: .bias)
        try container.encode(threshold, forKey: .threshold)
        try container.encodeIfPresent(overrule, forKey: .overrule)
        try container.encode(training, forKey: .training)
        try container.encodeIfPresent(combiner, forKey: .combiner)
        try container.encodeIfPresent(refinement, forKey: .refinement)
        try Self.encodeFloats(weights, in: &container, forKey: .weights)
    }

    static func floats(from data: Data) -> [Float] {
        var values = [Float](repeating: 0, count: data.count / 4)
        data.withUnsafeBytes { raw in
            for index in values.indices {
                values[index] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
            }
        }
        return values
    }

    static func data(of values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
