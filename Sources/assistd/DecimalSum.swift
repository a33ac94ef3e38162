import Foundation

/// Exact sums of integers of any length written in decimal (the demo's `big_add`: the model may
/// pass numbers beyond 64 bits, as strings or JSON numbers).
struct DecimalInteger: Equatable, CustomStringConvertible {
    /// Least significant digit first, no leading zeros (zero is `[]`).
    private var digits: [UInt8]
    private var negative: Bool

    /// `"-123"`, `"+42"`, `"7"`; nil for anything else.
    init?(_ text: String) {
        var body = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var digits = body.reversed().map { UInt8($0.asciiValue! - 48) }
        while digits.last == 0 { digits.removeLast() }
        self.digits = digits
        self.negative = negative && !digits.isEmpty
    }

    private init(digits: [UInt8], negative: Bool) {
        var digits = digits
        while digits.last == 0 { digits.removeLast() }
        self.digits = digits
        self.negative = negative && !digits.isEmpty
    }

    var description: String {
        guard !digits.isEmpty else { return "0" }
        return (negative ? "-" : "") + String(digits.reversed().map { Character(String($0)) })
    }

    static func + (left: DecimalInteger, right: DecimalInteger) -> DecimalInteger {
        if left.negative == right.negative {
            return DecimalInteger(digits: addMagnitudes(left.digits, right.digits), negative: left.negative)
        }
        // Opposite signs: the larger magnitude minus the smaller, with the larger one's sign.
        if compareMagnitudes(left.digits, right.digits) >= 0 {
            return DecimalInteger(digits: subtractMagnitudes(left.digits, right.digits), negative: left.negative)
        }
        return DecimalInteger(digits: subtractMagnitudes(right.digits, left.digits), negative: right.negative)
    }

    private static func addMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var carry: UInt8 = 0
        for index in 0..<max(a.count, b.count) {
            let sum = (index < a.count ? a[index] : 0) + (index < b.count ? b[index] : 0) + carry
            result.append(sum % 10)
            carry = sum / 10
        }
        if carry > 0 { result.append(carry) }
        return result
    }

    /// `a - b` for `a >= b`.
    private static func subtractMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var borrow = 0
        for index in 0..<a.count {
            var difference = Int(a[index]) - (index < b.count ? Int(b[index]) : 0) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 10 }
            result.append(UInt8(difference))
        }
        return result
    }

    private static func compareMagnitudes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for index in stride(from: a.count - 1, through: 0, by: -1) where a[index] != b[index] {
            return a[index] < b[index] ? -1 : 1
        }
        return 0
    }
}
