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

    public init(featureSet: String, buckets: Int, labels: [Label], weights: [Float], bias: [Float], threshold: Double, overrule: Double? = nil, training: String) {
        self.featureSet = featureSet
        self.buckets = buckets
        self.labels = labels
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        self.overrule = overrule
        self.training = training
    }

    /// Text blocks the weights cover (``weights`` holds a whole number of them).
    public var blocks: Int { labels.isEmpty || buckets == 0 ? 0 : weights.count / (buckets * labels.count) }

    private enum CodingKeys: String, CodingKey {
        case featureSet = "feature_set", buckets, labels, weights, bias, threshold, overrule, training
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
        let encoded = try container.decode(String.self, forKey: .weights)
        guard let data = Data(base64Encoded: encoded), data.count % 4 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: .weights, in: container, debugDescription: "expected base64 of little-endian Float32 values")
        }
        weights = Self.floats(from: data)
        guard buckets > 0, !labels.isEmpty, bias.count == labels.count, !weights.isEmpty, weights.count % (buckets * labels.count) == 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .weights, in: container,
                debugDescription: "expected a multiple of buckets × labels (\(buckets) × \(labels.count)) weights and one bias per label; got \(weights.count) weights and \(bias.count) biases")
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
        try container.encode(Self.data(of: weights).base64EncodedString(), forKey: .weights)
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
