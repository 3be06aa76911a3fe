import Yams

/// A YAML node being read, with its key path, reporting type errors to a shared sink.
///
/// Each accessor returns `nil` after reporting what was expected, so a loader keeps going and
/// collects every problem of the file in one pass.
struct YAMLValue {
    let node: Node
    let keyPath: String
    let sink: DiagnosticSink

    var location: NodeLocation {
        node.mark.map { NodeLocation(line: $0.line, column: $0.column) } ?? .unknown
    }

    func report(_ message: String) {
        sink.report(message, at: location, keyPath: keyPath)
    }

    // MARK: Structure

    /// The node as a mapping whose keys must all be in `allowed`.
    func mapping(allowed: [String]) -> YAMLMapping? {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping with keys \(allowed.joined(separator: ", ")), got \(node.kindName)")
            return nil
        }
        return YAMLMapping(mapping: mapping, owner: self, allowed: allowed)
    }

    /// The node as a list.
    func sequence() -> [YAMLValue]? {
        guard case .sequence(let sequence) = node else {
            report("expected a list, got \(node.kindName)")
            return nil
        }
        return sequence.enumerated().map { index, element in
            YAMLValue(node: element, keyPath: "\(keyPath)[\(index)]", sink: sink)
        }
    }

    // MARK: Scalars

    /// A non-empty string. Plain scalars that look like numbers are taken as their text.
    func string(allowEmpty: Bool = false) -> String? {
        guard case .scalar(let scalar) = node else {
            report("expected a string, got \(node.kindName)")
            return nil
        }
        if scalar.style == .plain && (scalar.string == "~" || scalar.string == "null" || scalar.string.isEmpty) {
            report("expected a string, got null")
            return nil
        }
        if !allowEmpty && scalar.string.trimmingWhitespace.isEmpty {
            report("expected a non-empty string")
            return nil
        }
        return scalar.string
    }

    /// An identifier: lowercase ASCII letters, digits, `-`, `_`, `.`, starting with a letter or digit.
    func identifier() -> String? {
        guard let text = string() else { return nil }
        guard Self.isIdentifier(text) else {
            report("'\(text)' is not a valid id; use lowercase letters, digits, '-', '_' and '.', starting with a letter or digit")
            return nil
        }
        return text
    }

    func int(in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string) else {
            report("expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(node.describedValue)")
            return nil
        }
        guard range.contains(value) else {
            report("expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(value)")
            return nil
        }
        return value
    }

    func uint64() -> UInt64? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = UInt64(scalar.string) else {
            report("expected a non-negative whole number, got \(node.describedValue)")
            return nil
        }
        return value
    }

    func double(in range: ClosedRange<Double>) -> Double? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Double(scalar.string), value.isFinite else {
            report("expected a number from \(range.lowerBound.formatted) to \(range.upperBound.formatted), got \(node.describedValue)")
            return nil
        }
        guard range.contains(value) else {
            report("expected a number from \(range.lowerBound.formatted) to \(range.upperBound.formatted), got \(value.formatted)")
            return nil
        }
        return value
    }

    func bool() -> Bool? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else {
            report("expected true or false, got \(node.describedValue)")
            return nil
        }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default:
            report("expected true or false, got \(node.describedValue)")
            return nil
        }
    }

    /// One of an enumeration's raw values.
    func oneOf<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> E? where E.RawValue == String {
        guard let text = string() else { return nil }
        guard let value = E(rawValue: text) else {
            report("expected one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
            return nil
        }
        return value
    }

    /// A list of strings; a single string is not accepted (write `[x]`).
    func stringList() -> [String]? {
        guard let elements = sequence() else { return nil }
        let strings = elements.map { $0.string() }
        return strings.contains(where: { $0 == nil }) ? nil : strings.compactMap { $0 }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isLowerAlphanumeric else { return false }
        return text.unicodeScalars.allSatisfy { $0.isLowerAlphanumeric || $0 == "-" || $0 == "_" || $0 == "." }
    }
}

/// A mapping being read: checks for unknown and duplicate keys up front, then hands out values.
struct YAMLMapping {
    let owner: YAMLValue
    private var values: [String: YAMLValue] = [:]

    init(mapping: Node.Mapping, owner: YAMLValue, allowed: [String]) {
        self.owner = owner
        let allowedSet = Set(allowed)
        for (keyNode, valueNode) in mapping {
            let keyValue = YAMLValue(node: keyNode, keyPath: owner.keyPath, sink: owner.sink)
            guard case .scalar(let keyScalar) = keyNode else {
                keyValue.report("expected a string key, got \(keyNode.kindName)")
                continue
            }
            let key = keyScalar.string
            let childPath = owner.keyPath.isEmpty ? key : "\(owner.keyPath).\(key)"
            guard allowedSet.contains(key) else {
                let hint = Self.closest(to: key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                YAMLValue(node: keyNode, keyPath: childPath, sink: owner.sink)
                    .report("unknown key '\(key)'\(hint); expected one of: \(allowed.joined(separator: ", "))")
                continue
            }
            guard values[key] == nil else {
                YAMLValue(node: keyNode, keyPath: childPath, sink: owner.sink).report("duplicate key '\(key)'")
                continue
            }
            values[key] = YAMLValue(node: valueNode, keyPath: childPath, sink: owner.sink)
        }
    }

    /// The value of an optional key. A key written with a null value (`key:`) counts as absent.
    subscript(key: String) -> YAMLValue? {
        guard let value = values[key] else { return nil }
        if case .scalar(let scalar) = value.node, scalar.style == .plain,
           scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" {
            return nil
        }
        return value
    }

    /// The value of a required key; reports it missing at the mapping's location.
    func required(_ key: String) -> YAMLValue? {
        guard let value = self[key] else {
            owner.report("missing required key '\(key)'")
            return nil
        }
        return value
    }

    private static func closest(to key: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= max(2, key.count / 3) }
        if let best = scored.min(by: { $0.1 < $1.1 }) { return best.0 }
        return key.count >= 3 ? candidates.first { $0.hasPrefix(key) } : nil
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension Node {
    var kindName: String {
        switch self {
        case .scalar(let scalar): scalar.style == .plain && (scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null") ? "null" : "a scalar '\(scalar.string.truncatedForMessage)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    var describedValue: String {
        if case .scalar(let scalar) = self { return "'\(scalar.string.truncatedForMessage)'" }
        return kindName
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return Substring(scalars[start...end])
    }

    var truncatedForMessage: String {
        count > 60 ? String(prefix(57)) + "..." : self
    }
}

extension Unicode.Scalar {
    var isLowerAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("0"..."9").contains(self)
    }
}

extension Double {
    var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
