import CandorCore

/// Reads `probes/taxonomy.yaml`.
enum TaxonomyFormat {
    static func decode(_ root: YAMLValue) -> Taxonomy? {
        guard let mapping = root.mapping(allowed: ["categories", "topics", "tags"]) else { return nil }
        let categories = mapping.required("categories").flatMap(entries)
        let topics = mapping.required("topics").flatMap(entries)
        let tags = mapping["tags"].map(entries) ?? []
        guard let categories, let topics, let tags else { return nil }
        return Taxonomy(categories: categories, topics: topics, tags: tags)
    }

    private static func entries(_ value: YAMLValue) -> [Taxonomy.Entry]? {
        guard let items = value.sequence() else { return nil }
        var seen: Set<String> = []
        let entries = items.compactMap { item -> Taxonomy.Entry? in
            guard let mapping = item.mapping(allowed: ["id", "description"]) else { return nil }
            let idValue = mapping.required("id")
            let id = idValue?.identifier()
            let description = mapping.required("description")?.string()
            guard let id, let description else { return nil }
            if !seen.insert(id).inserted {
                idValue?.report("duplicate id '\(id)'")
                return nil
            }
            return Taxonomy.Entry(id: id, description: description)
        }
        return entries.count == items.count ? entries : nil
    }
}
