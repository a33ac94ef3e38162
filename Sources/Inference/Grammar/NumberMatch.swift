/// Matches a number `-?(0|[1-9][0-9]*)(\.[0-9]+)?` with bounded digits; no exponent. A number
/// has no closing character: it ends before the first byte that cannot extend it.
struct NumberMatch {
    enum Phase {
        case beforeSignOrDigit
        case afterMinus
        /// `0` was the integer part: no more integer digits.
        case afterLeadingZero
        case inIntegerDigits
        /// A fraction digit must follow.
        case afterDecimalPoint
        case inFractionDigits
    }

    let integerOnly: Bool
    let allowsNegative: Bool
    private var phase = Phase.beforeSignOrDigit
    private var integerDigits: Int32 = 0
    private var fractionDigits: Int32 = 0

    init(integerOnly: Bool, allowsNegative: Bool) {
        self.integerOnly = integerOnly
        self.allowsNegative = allowsNegative
    }

    mutating func feed(_ byte: UInt8) -> MatchStep {
        let isDigit = byte >= 0x30 && byte <= 0x39
        switch phase {
        case .beforeSignOrDigit, .afterMinus:
            if phase == .beforeSignOrDigit && byte == UInt8(ascii: "-") && allowsNegative { phase = .afterMinus; return .accepted }
            guard isDigit else { return .rejected }
            phase = byte == UInt8(ascii: "0") ? .afterLeadingZero : .inIntegerDigits
            integerDigits = 1
            return .accepted
        case .afterLeadingZero, .inIntegerDigits:
            if phase == .inIntegerDigits && isDigit && integerDigits < SchemaGraph.maxIntegerDigits { integerDigits += 1; return .accepted }
            if byte == UInt8(ascii: ".") && !integerOnly { phase = .afterDecimalPoint; return .accepted }
            return isDigit ? .rejected : .closedBeforeByte
        case .afterDecimalPoint:
            guard isDigit else { return .rejected }
            phase = .inFractionDigits
            fractionDigits = 1
            return .accepted
        case .inFractionDigits:
            guard isDigit else { return .closedBeforeByte }
            guard fractionDigits < SchemaGraph.maxFractionDigits else { return .rejected }
            fractionDigits += 1
            return .accepted
        }
    }

    func shortestCompletion() -> [UInt8] {
        switch phase {
        case .beforeSignOrDigit, .afterMinus, .afterDecimalPoint: return [UInt8(ascii: "0")]
        case .afterLeadingZero, .inIntegerDigits, .inFractionDigits: return []
        }
    }
}
