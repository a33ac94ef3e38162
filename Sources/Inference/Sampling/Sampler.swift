import Foundation

/// Sampling settings. temperature 0 means greedy; topK 0 and topP 1 disable those filters;
/// repetitionPenalty 1 (the default here) disables the penalty (see RepetitionPenalty).
public struct SamplingOptions: Sendable, Equatable {
    public var temperature: Double
    public var topP: Double
    public var topK: Int
    public var seed: UInt64?
    public var maxTokens: Int
    public var repetitionPenalty: Double
    public var repetitionWindow: Int

    public init(temperature: Double = 0.7, topP: Double = 1, topK: Int = 0, seed: UInt64? = nil, maxTokens: Int = 256,
                repetitionPenalty: Double = 1, repetitionWindow: Int = 64) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.seed = seed
        self.maxTokens = maxTokens
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
    }

    public static let greedy = SamplingOptions(temperature: 0)
}

/// xoshiro256** seeded through SplitMix64: small, fast and the same everywhere.
struct SeededGenerator: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (next(), next(), next(), next())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// Picks the next token from logits: greedy at temperature 0, otherwise top-k,
/// temperature, top-p, then a draw from the seeded generator.
struct Sampler {
    let options: SamplingOptions
    private var rng: SeededGenerator

    init(options: SamplingOptions) {
        self.options = options
        var system = SystemRandomNumberGenerator()
        rng = SeededGenerator(seed: options.seed ?? system.next())
    }

    /// `allowed` restricts the choice (a grammar mask); nil means the whole vocabulary.
    mutating func sample(_ logits: UnsafeBufferPointer<Float>, allowed: [Int32]? = nil) -> Int32 {
        if options.temperature <= 0 { return Self.argmax(logits, allowed) }
        var candidates: [(id: Int32, logit: Float)]
        if let allowed {
            candidates = allowed.map { ($0, logits[Int($0)]) }
        } else {
            candidates = []
            candidates.reserveCapacity(logits.count)
            for i in 0..<logits.count { candidates.append((Int32(i), logits[i])) }
        }
        guard !candidates.isEmpty else { return 0 }
        let temperature = Float(options.temperature)
        // Tokens more than 40 nats below the best carry under e^-40 of the mass each;
        // dropping them first keeps the sort short without changing any outcome in Float.
        let best = candidates.max { $0.logit < $1.logit }!.logit
        candidates.removeAll { ($0.logit - best) / temperature < -40 }
        candidates.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        if options.topK > 0 && candidates.count > options.topK { candidates.removeLast(candidates.count - options.topK) }
        var probs = candidates.map { Double(exp(($0.logit - best) / temperature)) }
        let total = probs.reduce(0, +)
        for i in probs.indices { probs[i] /= total }
        var keep = probs.count
        if options.topP < 1 {
            var cumulative = 0.0
            for i in probs.indices {
                cumulative += probs[i]
                if cumulative >= options.topP { keep = i + 1; break }
            }
        }
        let kept = probs[..<keep].reduce(0, +)
        var r = rng.nextUnit() * kept
        for i in 0..<keep {
            r -= probs[i]
            if r < 0 { return candidates[i].id }
        }
        return candidates[keep - 1].id
    }

    static func argmax(_ logits: UnsafeBufferPointer<Float>, _ allowed: [Int32]?) -> Int32 {
        if let allowed {
            var best = allowed.first ?? 0
            for id in allowed where logits[Int(id)] > logits[Int(best)] || (logits[Int(id)] == logits[Int(best)] && id < best) { best = id }
            return best
        }
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return Int32(best)
    }
}
