import Foundation

/// Parses and validates the header, metadata and tensor table.
enum GGUFHeaderParser {
    struct Header {
        var version: UInt32
        var keys: [String]
        var metadata: [String: GGUFValue]
        var alignment: Int
        var tensors: [GGUFTensorInfo]
    }

    static let maxArrayDepth = 4
    static let maxDimensions = 4

    static func parse(_ reader: inout GGUFReader) throws(GGUFError) -> Header {
        let magic = try reader.bytes(4, what: "magic")
        guard Array(magic) == Array("GGUF".utf8) else {
            throw GGUFError("not a GGUF file: the first bytes are \(Array(magic).map { String(format: "%02x", $0) }.joined(separator: " ")), expected 47 47 55 46 (\"GGUF\")", offset: 0)
        }
        let version = try reader.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw GGUFError("unsupported GGUF version \(version); expected 2 or 3", offset: 4)
        }
        let tensorCount = try reader.read(UInt64.self, "tensor count")
        let kvCount = try reader.read(UInt64.self, "metadata count")
        // Each key/value needs at least 13 bytes and each tensor info at least 32.
        guard kvCount <= UInt64(reader.remaining / 13) else {
            throw GGUFError("metadata count \(kvCount) cannot fit in the \(reader.remaining) bytes that remain", offset: 16)
        }
        guard tensorCount <= UInt64(reader.remaining / 32) else {
            throw GGUFError("tensor count \(tensorCount) cannot fit in the \(reader.remaining) bytes that remain", offset: 8)
        }
        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        keys.reserveCapacity(Int(kvCount))
        for index in 0..<Int(kvCount) {
            let keyOffset = reader.position
            let key = try reader.string("metadata key #\(index)")
            guard metadata[key] == nil else { throw GGUFError("duplicate metadata key '\(key)'", offset: keyOffset) }
            let type = try reader.read(UInt32.self, "type of '\(key)'")
            metadata[key] = try value(type: type, reader: &reader, what: "'\(key)'", depth: 0)
            keys.append(key)
        }
        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a <= 1 << 16, a & (a - 1) == 0 else {
                throw GGUFError("general.alignment must be a power of two up to 65536, got \(value)")
            }
            alignment = a
        }
        var infos: [(name: String, shape: [Int], type: GGMLType, relative: Int, bytes: Int, at: Int)] = []
        var names: Set<String> = []
        for index in 0..<Int(tensorCount) {
            let at = reader.position
            let name = try reader.string("tensor #\(index) name")
            guard names.insert(name).inserted else { throw GGUFError("duplicate tensor name '\(name)'", offset: at) }
            let dimensionCount = try reader.read(UInt32.self, "dimension count of '\(name)'")
            guard (1...UInt32(maxDimensions)).contains(dimensionCount) else {
                throw GGUFError("tensor '\(name)' has \(dimensionCount) dimensions; expected 1 to \(maxDimensions)", offset: at)
            }
            var shape: [Int] = []
            var elements = 1
            for _ in 0..<Int(dimensionCount) {
                let dimension = try reader.read(UInt64.self, "dimension of '\(name)'")
                guard dimension >= 1, dimension <= UInt64(Int32.max) else {
                    throw GGUFError("tensor '\(name)' has dimension \(dimension); expected 1 to \(Int32.max)", offset: at)
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dimension))
                guard !overflow, product <= 1 << 40 else { throw GGUFError("tensor '\(name)' has too many elements", offset: at) }
                elements = product
                shape.append(Int(dimension))
            }
            let rawType = try reader.read(UInt32.self, "type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError("tensor '\(name)' has unknown type \(rawType); known: \(GGMLType.allCases.map { "\($0.rawValue)=\($0.name)" }.joined(separator: ", "))", offset: at)
            }
            guard shape[0] % type.blockSize == 0 else {
                throw GGUFError("tensor '\(name)' row length \(shape[0]) is not a multiple of the \(type.name) block size \(type.blockSize)", offset: at)
            }
            let relative = try reader.read(UInt64.self, "offset of '\(name)'")
            guard relative <= UInt64(Int.max / 2), Int(relative) % alignment == 0 else {
                throw GGUFError("tensor '\(name)' offset \(relative) is not a multiple of the alignment \(alignment)", offset: at)
            }
            infos.append((name, shape, type, Int(relative), elements / type.blockSize * type.bytesPerBlock, at))
        }
        let dataStart = (reader.position + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        var extents: [(Int, Int, String)] = []
        for info in infos {
            let start = dataStart + info.relative
            guard start <= reader.length, info.bytes <= reader.length - start else {
                throw GGUFError("tensor '\(info.name)' (\(info.type.name), \(info.bytes) bytes at data offset \(info.relative)) extends past the end of the \(reader.length)-byte file", offset: info.at)
            }
            tensors.append(GGUFTensorInfo(name: info.name, shape: info.shape, type: info.type, offset: start, byteCount: info.bytes))
            extents.append((start, start + info.bytes, info.name))
        }
        extents.sort { $0.0 < $1.0 }
        for (first, second) in zip(extents, extents.dropFirst()) where second.0 < first.1 {
            throw GGUFError("tensors '\(first.2)' and '\(second.2)' overlap")
        }
        return Header(version: version, keys: keys, metadata: metadata, alignment: alignment, tensors: tensors)
    }

    private static func value(type: UInt32, reader: inout GGUFReader, what: String, depth: Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try reader.read(UInt8.self, what))
        case 1: return .int8(try reader.read(Int8.self, what))
        case 2: return .uint16(try reader.read(UInt16.self, what))
        case 3: return .int16(try reader.read(Int16.self, what))
        case 4: return .uint32(try reader.read(UInt32.self, what))
        case 5: return .int32(try reader.read(Int32.self, what))
        case 6: return .float32(Float(bitPattern: try reader.read(UInt32.self, what)))
        case 7:
            let byte = try reader.read(UInt8.self, what)
            guard byte <= 1 else { throw GGUFError("\(what) is a bool with value \(byte); expected 0 or 1", offset: reader.position - 1) }
            return .bool(byte == 1)
        case 8: return .string(try reader.string(what))
        case 9: return .array(try array(reader: &reader, what: what, depth: depth + 1))
        case 10: return .uint64(try reader.read(UInt64.self, what))
        case 11: return .int64(try reader.read(Int64.self, what))
        case 12: return .float64(Double(bitPattern: try reader.read(UInt64.self, what)))
        default: throw GGUFError("\(what) has unknown value type \(type); expected 0 to 12", offset: reader.position - 4)
        }
    }

    private static func array(reader: inout GGUFReader, what: String, depth: Int) throws(GGUFError) -> GGUFArray {
        guard depth <= maxArrayDepth else { throw GGUFError("\(what) nests arrays deeper than \(maxArrayDepth)", offset: reader.position) }
        let elementType = try reader.read(UInt32.self, "\(what) element type")
        let count = try reader.read(UInt64.self, "\(what) element count")
        let minimumSize: Int = switch elementType {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8, 10, 11, 12: 8
        case 9: 12
        default: throw GGUFError("\(what) has unknown element type \(elementType); expected 0 to 12", offset: reader.position - 12)
        }
        guard count <= UInt64(reader.remaining / minimumSize) else {
            throw GGUFError("\(what) claims \(count) elements but only \(reader.remaining) bytes remain", offset: reader.position - 8)
        }
        let n = Int(count)
        switch elementType {
        case 8:
            var strings: [String] = []
            strings.reserveCapacity(n)
            for index in 0..<n { strings.append(try reader.string("\(what)[\(index)]")) }
            return .strings(strings)
        case 6, 12:
            var floats: [Double] = []
            floats.reserveCapacity(n)
            for _ in 0..<n { floats.append(try value(type: elementType, reader: &reader, what: what, depth: depth).double ?? 0) }
            return .floats(floats)
        case 7:
            var bools: [Bool] = []
            for _ in 0..<n {
                guard case .bool(let b) = try value(type: 7, reader: &reader, what: what, depth: depth) else { continue }
                bools.append(b)
            }
            return .bools(bools)
        case 9:
            var arrays: [GGUFArray] = []
            for index in 0..<n { arrays.append(try array(reader: &reader, what: "\(what)[\(index)]", depth: depth + 1)) }
            return .arrays(arrays)
        default:
            var integers: [Int64] = []
            integers.reserveCapacity(n)
            for _ in 0..<n {
                let v = try value(type: elementType, reader: &reader, what: what, depth: depth)
                if case .uint64(let u) = v { integers.append(Int64(bitPattern: u)) } else { integers.append(Int64(v.int ?? 0)) }
            }
            return .integers(integers)
        }
    }
}
