/// A bounds-checked cursor over the mapped bytes.
struct GGUFReader {
    let base: UnsafeRawPointer
    let length: Int
    var position = 0

    var remaining: Int { length - position }

    mutating func bytes(_ count: Int, what: String) throws(GGUFError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw GGUFError("\(what) needs \(count) bytes but only \(remaining) remain: the file is truncated or corrupt", offset: position)
        }
        defer { position += count }
        return UnsafeRawBufferPointer(start: base + position, count: count)
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws(GGUFError) -> T {
        let raw = try bytes(MemoryLayout<T>.size, what: what)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func string(_ what: String) throws(GGUFError) -> String {
        let start = position
        let count = try read(UInt64.self, "\(what) length")
        guard count <= UInt64(remaining) else {
            throw GGUFError("\(what) claims \(count) bytes but only \(remaining) remain", offset: start)
        }
        let raw = try bytes(Int(count), what: what)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw GGUFError("\(what) is not valid UTF-8", offset: start)
        }
        return text
    }
}
