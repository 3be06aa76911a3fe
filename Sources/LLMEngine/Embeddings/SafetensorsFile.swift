import Foundation

// safetensors layout (all integers little-endian):
//
//   header_size  u64
//   header       header_size bytes of UTF-8 JSON: an object mapping each tensor name to
//                { "dtype": "F32" | "F16" | "BF16" | "I64" | ..., "shape": [d0, d1, ...],
//                  "data_offsets": [begin, end] }  (offsets relative to the end of the header)
//                plus an optional "__metadata__" object of strings
//   data         the tensors' bytes, row-major, at their offsets
//
// Every size is checked before use: the header must fit in the file, each tensor's byte range
// must lie inside the data section and match its dtype × shape, and ranges may not overlap.

/// A safetensors file, memory-mapped read-only.
public final class SafetensorsFile: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable after init; the mapping is
    // read-only and unmapped only in deinit, when no other reference exists.

    public struct Tensor: Sendable, Hashable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        /// Byte range inside the data section.
        public var begin: Int
        public var end: Int
    }

    public let url: URL
    public let tensors: [String: Tensor]
    private let base: UnsafeRawPointer
    private let length: Int
    private let dataStart: Int

    /// Bytes per element of the dtypes this reader accepts.
    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]

    public init(url: URL) throws(ModelFileError) {
        self.url = url
        let path = url.path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ModelFileError(path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ModelFileError(path, "cannot stat") }
        let size = Int(info.st_size)
        guard size >= 8 else { throw ModelFileError(path, "file is \(size) bytes; a safetensors file starts with an 8-byte header size") }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw ModelFileError(path, "cannot map into memory")
        }
        base = UnsafeRawPointer(mapping)
        length = size
        do {
            (tensors, dataStart) = try Self.parseHeader(base: base, length: size, path: path)
        } catch {
            munmap(mapping, size)
            throw error
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    /// The tensor's bytes; valid while this object is alive.
    public func bytes(of tensor: Tensor) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + dataStart + tensor.begin, count: tensor.end - tensor.begin)
    }

    /// A float32 tensor of exactly `shape`, or an error naming what was found instead.
    public func float32(_ name: String, shape: [Int]) throws(ModelFileError) -> UnsafePointer<Float> {
        guard let tensor = tensors[name] else { throw ModelFileError(url.path, "tensor '\(name)' is missing") }
        guard tensor.dtype == "F32" else { throw ModelFileError(url.path, "tensor '\(name)' is \(tensor.dtype); expected F32") }
        guard tensor.shape == shape else { throw ModelFileError(url.path, "tensor '\(name)' has shape \(tensor.shape); expected \(shape)") }
        guard (tensor.begin + dataStart) % MemoryLayout<Float>.alignment == 0 else {
            throw ModelFileError(url.path, "tensor '\(name)' starts at an unaligned offset \(tensor.begin)")
        }
        return (base + dataStart + tensor.begin).assumingMemoryBound(to: Float.self)
    }

    static func parseHeader(base: UnsafeRawPointer, length: Int, path: String) throws(ModelFileError) -> ([String: Tensor], Int) {
        let headerSize = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerSize <= UInt64(length - 8) else {
            throw ModelFileError(path, "header size \(headerSize) exceeds the \(length - 8) bytes after it", offset: 0)
        }
        let dataStart = 8 + Int(headerSize)
        let headerBytes = Data(bytes: base + 8, count: Int(headerSize))
        let header: [String: HeaderEntry]
        do { header = try JSONDecoder().decode([String: HeaderEntry].self, from: headerBytes) } catch {
            throw ModelFileError(path, "the header is not a JSON object of tensor entries: \(describe(error))", offset: 8)
        }
        let dataLength = length - dataStart
        var tensors: [String: Tensor] = [:]
        for (name, value) in header {
            guard case .tensor(let dtype, let shape, let offsets) = value else { continue }
            guard let size = elementSizes[dtype] else {
                throw ModelFileError(path, "tensor '\(name)': dtype \(dtype); expected one of \(elementSizes.keys.sorted().joined(separator: ", "))")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw ModelFileError(path, "tensor '\(name)': shape \(shape) has a negative dimension") }
            guard offsets.count == 2 else { throw ModelFileError(path, "tensor '\(name)': data_offsets must be [begin, end]") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw ModelFileError(path, "tensor '\(name)': bytes \(begin)..<\(end) are outside the \(dataLength)-byte data section")
            }
            var count = size
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw ModelFileError(path, "tensor '\(name)': shape \(shape) is too large") }
                count = product
            }
            guard count == end - begin else {
                throw ModelFileError(path, "tensor '\(name)': \(dtype) \(shape) needs \(count) bytes; data_offsets give \(end - begin)")
            }
            tensors[name] = Tensor(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
        }
        let ordered = tensors.values.filter { $0.end > $0.begin }.sorted { $0.begin < $1.begin }
        for (a, b) in zip(ordered, ordered.dropFirst()) where b.begin < a.end {
            throw ModelFileError(path, "tensors '\(a.name)' and '\(b.name)' overlap")
        }
        return (tensors, dataStart)
    }

    /// One header entry: a tensor, or the free-form `__metadata__` object.
    enum HeaderEntry: Decodable {
        case tensor(dtype: String, shape: [Int], offsets: [Int])
        case metadata

        private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

        init(from decoder: any Decoder) throws {
            if decoder.codingPath.last?.stringValue == "__metadata__" {
                self = .metadata
                return
            }
            let container = try decoder.container(keyedBy: Keys.self)
            self = .tensor(
                dtype: try container.decode(String.self, forKey: .dtype),
                shape: try container.decode([Int].self, forKey: .shape),
                offsets: try container.decode([Int].self, forKey: .data_offsets)
            )
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context): return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): missing '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// A model file that cannot be used: which file, what is wrong, and where when known.
public struct ModelFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var offset: Int?

    public init(_ path: String, _ message: String, offset: Int? = nil) {
        self.path = path
        self.message = message
        self.offset = offset
    }

    public var description: String {
        offset.map { "\(path) (byte \($0)): \(message)" } ?? "\(path): \(message)"
    }
}
