/// The element formats the kernels read, with ggml's block layouts:
///
/// | format | block | bytes | layout |
/// | --- | --- | --- | --- |
/// | f32 | 1 | 4 | IEEE float |
/// | f16 / bf16 | 1 | 2 | half / bfloat16 |
/// | q4_0 | 32 | 18 | f16 d; 16 bytes of 4-bit q (low nibbles = elements 0–15, high = 16–31); x = (q − 8)·d |
/// | q4_1 | 32 | 20 | f16 d, f16 m; 16 bytes of 4-bit q; x = q·d + m |
/// | q5_0 | 32 | 22 | f16 d; u32 qh (fifth bits); 16 bytes of low nibbles; x = (q − 16)·d |
/// | q5_1 | 32 | 24 | f16 d, f16 m; u32 qh; 16 bytes; x = q·d + m |
/// | q8_0 | 32 | 34 | f16 d; 32 × i8 q; x = q·d |
/// | q4_K | 256 | 144 | f16 d, f16 dmin; 12 bytes of 6-bit scales and mins for 8 sub-blocks; 128 bytes of nibbles |
/// | q5_K | 256 | 176 | as q4_K plus 32 bytes of fifth bits |
/// | q6_K | 256 | 210 | 128 bytes low 4 bits; 64 bytes high 2 bits; 16 × i8 scales; f16 d |
public enum WeightFormat: Sendable, Hashable {
    case f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q4_K, q5_K, q6_K

    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: 32
        case .q4_K, .q5_K, .q6_K: 256
        }
    }

    public var bytesPerBlock: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: 34
        case .q4_K: 144
        case .q5_K: 176
        case .q6_K: 210
        }
    }

    /// Bytes of one row of `columns` elements.
    public func rowBytes(columns: Int) -> Int { columns / blockSize * bytesPerBlock }
}
