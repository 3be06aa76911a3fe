/// The closed vocabulary probes are classified with, declared in `probes/taxonomy.yaml`.
///
/// Every probe's category, topic and tags must appear here; a conformance test checks it.
public struct Taxonomy: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var id: String
        public var description: String
        public init(id: String, description: String) {
            self.id = id
            self.description = description
        }
    }

    public var categories: [Entry]
    public var topics: [Entry]
    public var tags: [Entry]

    public init(categories: [Entry], topics: [Entry], tags: [Entry]) {
        self.categories = categories
        self.topics = topics
        self.tags = tags
    }

    public var categoryIDs: Set<String> { Set(categories.map(\.id)) }
    public var topicIDs: Set<String> { Set(topics.map(\.id)) }
    public var tagIDs: Set<String> { Set(tags.map(\.id)) }
}
