/// A metadata value. Arrays keep typed storage, so a 150,000-entry vocabulary is one `[String]`.
public enum GGUFValue: Sendable, Hashable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    case array(GGUFArray)

    /// The value as an integer, if it is one of the integer types.
    public var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): v <= UInt64(Int.max) ? Int(v) : nil
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// The value as a floating-point number, if it is numeric.
    public var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    public var string: String? {
        if case .string(let v) = self { return v }
        return nil
    }
}

/// Typed array storage.
public enum GGUFArray: Sendable, Hashable {
    case strings([String])
    case integers([Int64])
    case floats([Double])
    case bools([Bool])
    case arrays([GGUFArray])

    public var count: Int {
        switch self {
        case .strings(let v): v.count
        case .integers(let v): v.count
        case .floats(let v): v.count
        case .bools(let v): v.count
        case .arrays(let v): v.count
        }
    }
}
