/// A token bucket: `capacity` tokens, refilled at `rate` per second, one spent per request.
///
/// Time is passed in (seconds on any monotonic scale), so the bucket is a pure value.
struct TokenBucket: Sendable, Hashable {
    let rate: Double
    let capacity: Double
    private(set) var tokens: Double
    private(set) var updatedAt: Double?

    init(rate: Double, capacity: Int) {
        self.rate = rate
        self.capacity = Double(capacity)
        self.tokens = Double(capacity)
    }

    private mutating func refill(now: Double) {
        if let updatedAt, now > updatedAt {
            tokens = min(capacity, tokens + (now - updatedAt) * rate)
        }
        updatedAt = max(now, updatedAt ?? now)
    }

    /// Spends a token if one is available at `now`.
    mutating func take(now: Double) -> Bool {
        refill(now: now)
        guard tokens >= 1 - 1e-9 else { return false }
        tokens -= 1
        return true
    }

    /// When the next token will be available (now, if one already is).
    mutating func nextAvailable(now: Double) -> Double {
        refill(now: now)
        return tokens >= 1 - 1e-9 ? now : now + (1 - tokens) / rate
    }
}
