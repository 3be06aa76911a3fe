/// The keys and values of one sequence, per layer: `[layer][position × kvDimension]` in F16,
/// llama.cpp's default cache type (attention then sees the same numbers as llama.cpp's).
public final class KVCache: @unchecked Sendable {
    // @unchecked Sendable: a cache belongs to one sequence and is used by one generation at a
    // time; the engine never shares it between concurrent forward passes.
    let layers: Int
    let kvDimension: Int
    public let capacity: Int
    var keys: [UnsafeMutablePointer<Float16>]
    var values: [UnsafeMutablePointer<Float16>]
    /// Positions filled so far.
    public internal(set) var count = 0

    init(layers: Int, kvDimension: Int, capacity: Int) {
        self.layers = layers
        self.kvDimension = kvDimension
        self.capacity = capacity
        keys = (0..<layers).map { _ in UnsafeMutablePointer<Float16>.allocate(capacity: capacity * kvDimension) }
        values = (0..<layers).map { _ in UnsafeMutablePointer<Float16>.allocate(capacity: capacity * kvDimension) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Forgets everything (the buffers are reused).
    public func reset() { count = 0 }
}
