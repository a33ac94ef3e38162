/// Matches one of several exact JSON texts (enum, const, booleans, null). A literal that is
/// a prefix of another (`1` and `12`) ends before the first byte that cannot extend it.
struct LiteralMatch {
    let node: Int32
    /// Bytes matched so far.
    private var position: Int32 = 0
    /// The literals (a bit per index, the first 64) that start with the bytes matched so far.
    private var candidates: UInt64

    init(node: Int, literalCount: Int) {
        self.node = Int32(node)
        candidates = literalCount >= 64 ? ~0 : (UInt64(1) << UInt64(literalCount)) - 1
    }

    mutating func feed(_ byte: UInt8, _ literals: [[UInt8]]) -> MatchStep {
        let position = Int(self.position)
        var stillMatching: UInt64 = 0
        var oneEndsHere = false
        var allEndWithThisByte = true
        for index in 0..<min(literals.count, 64) where isCandidate(index) {
            let literal = literals[index]
            if literal.count == position { oneEndsHere = true; continue }
            if literal[position] == byte {
                stillMatching |= UInt64(1) << UInt64(index)
                if literal.count != position + 1 { allEndWithThisByte = false }
            }
        }
        if stillMatching == 0 { return oneEndsHere ? .closedBeforeByte : .rejected }
        candidates = stillMatching
        self.position += 1
        return allEndWithThisByte ? .acceptedAndClosed : .accepted
    }

    func shortestCompletion(_ literals: [[UInt8]]) -> [UInt8] {
        let shortest = literals.indices.filter(isCandidate).map { literals[$0] }.min { $0.count < $1.count } ?? []
        return Int(position) <= shortest.count ? Array(shortest[Int(position)...]) : []
    }

    private func isCandidate(_ index: Int) -> Bool { candidates & (UInt64(1) << UInt64(index)) != 0 }
}

extension SchemaGraph {
    func literals(of node: Int32) -> [[UInt8]] {
        guard case let .literals(literals) = nodes[Int(node)] else { preconditionFailure("node \(node) is not a literal choice") }
        return literals
    }
}
