/// The seed as endpoints accept it.
///
/// Candor's attempt seeds use all 64 bits, but OpenAI-compatible servers (vLLM validates
/// `seed` against the int64 range) and Ollama (a Go `int`) take signed 64-bit integers, so a
/// seed above `Int64.max` would be rejected as a client error. The top bit is dropped; the
/// value sent is recorded in the request parameters, so the mapping is visible.
enum WireSeed {
    static func signed63(_ seed: UInt64) -> Int64 {
        Int64(seed & 0x7FFF_FFFF_FFFF_FFFF)
    }
}
