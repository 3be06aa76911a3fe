import Foundation

// GGUF binary layout (versions 2 and 3; all integers little-endian):
//
//   magic          4 bytes  "GGUF"
//   version        u32      2 or 3
//   tensor_count   u64
//   kv_count       u64
//   kv_count × {   key: string, value_type: u32, value }
//   tensor_count × { name: string, n_dims: u32, dims: n_dims × u64 (innermost first),
//                    type: u32 (GGMLType), offset: u64 (from the start of the data section) }
//   padding to `general.alignment` (default 32)
//   data section: tensor bytes, each at its offset, each offset a multiple of the alignment
//
//   string = u64 length + UTF-8 bytes (no terminator)
//   value types: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string,
//                9 array (element type u32, count u64, elements), 10 u64, 11 i64, 12 f64
//
// Every count, length and offset is checked against the bytes that remain before it is used,
// so a truncated or hostile file gives a GGUFError, never a crash or a huge allocation.

/// A GGUF model file, memory-mapped read-only.
public final class GGUFFile: @unchecked Sendable {
    // @unchecked Sendable: all stored properties are immutable after init; the mapping is
    // read-only (PROT_READ) and unmapped only in deinit, when no other reference exists.

    public let url: URL
    public let version: UInt32
    public let fileSize: Int
    public let alignment: Int
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    private let tensorIndex: [String: Int]
    private let base: UnsafeRawPointer
    private let mappedLength: Int

    public convenience init(url: URL) throws(GGUFError) {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw GGUFError("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw GGUFError("cannot stat \(url.path)") }
        let size = Int(info.st_size)
        guard size >= 24 else { throw GGUFError("file is \(size) bytes; a GGUF header needs at least 24", offset: 0) }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw GGUFError("cannot map \(url.path) into memory")
        }
        do {
            try self.init(url: url, base: UnsafeRawPointer(mapping), length: size)
        } catch {
            munmap(mapping, size)
            throw error
        }
    }

    /// Parses a GGUF image already in memory (owned by the new object: it is unmapped on deinit).
    private init(url: URL, base: UnsafeRawPointer, length: Int) throws(GGUFError) {
        self.url = url
        self.base = base
        self.mappedLength = length
        self.fileSize = length
        var reader = GGUFReader(base: base, length: length)
        let header = try GGUFHeaderParser.parse(&reader)
        version = header.version
        metadataKeys = header.keys
        metadata = header.metadata
        alignment = header.alignment
        tensors = header.tensors
        var index: [String: Int] = [:]
        for (position, tensor) in tensors.enumerated() { index[tensor.name] = position }
        tensorIndex = index
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), mappedLength)
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's bytes inside the mapping; valid while this file object is alive.
    public func bytes(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + tensor.offset, count: tensor.byteCount)
    }

    /// Lets the kernel drop the tensor's pages from this process's resident memory (for a tensor
    /// that was copied elsewhere and is read rarely or never again). The mapping stays valid: a
    /// later read faults the pages back in from the file. Only whole pages inside the tensor are
    /// released, so neighbouring tensors are untouched.
    public func releaseResidentPages(of tensor: GGUFTensorInfo) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = base + tensor.offset, end = start + tensor.byteCount
        let first = (Int(bitPattern: start) + page - 1) / page * page, last = Int(bitPattern: end) / page * page
        guard last > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, last - first, Int32(MADV_DONTNEED))
    }

    // MARK: Typed metadata

    public func string(_ key: String) -> String? { metadata[key]?.string }
    public func int(_ key: String) -> Int? { metadata[key]?.int }
    public func double(_ key: String) -> Double? { metadata[key]?.double }

    public func stringArray(_ key: String) -> [String]? {
        if case .array(.strings(let values))? = metadata[key] { return values }
        return nil
    }

    public func intArray(_ key: String) -> [Int64]? {
        if case .array(.integers(let values))? = metadata[key] { return values }
        return nil
    }
}

/// Where a tensor is and what it holds.
public struct GGUFTensorInfo: Sendable, Hashable {
    public let name: String
    /// ggml order: `shape[0]` is the innermost (contiguous) dimension.
    public let shape: [Int]
    public let type: GGMLType
    /// Absolute byte offset of the data in the file.
    public let offset: Int
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
}
