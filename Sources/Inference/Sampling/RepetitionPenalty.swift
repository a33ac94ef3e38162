/// llama.cpp's repetition penalty: each distinct token among the last
/// `repetitionWindow` generated text tokens has its logit divided by the penalty when
/// positive and multiplied by it when negative. It applies to free text only, never to
/// grammar-constrained tool arguments (where digits and keys repeat by design), and a
/// penalty of 1 leaves the logits untouched (greedy parity holds with it off).
enum RepetitionPenalty {
    static func apply(_ options: SamplingOptions, recent: [Int32], to logits: UnsafeMutablePointer<Float>) {
        guard options.repetitionPenalty != 1, options.repetitionWindow > 0, !recent.isEmpty else { return }
        let penalty = Float(options.repetitionPenalty)
        var seen = Set<Int32>()
        for token in recent.suffix(options.repetitionWindow) where seen.insert(token).inserted {
            let l = logits[Int(token)]
            logits[Int(token)] = l > 0 ? l / penalty : l * penalty
        }
    }
}
