@testable import TernTables

/// A deliberately naive arbitrary-precision decimal (sign, base-10 digits, scale) used as the
/// reference that `Number` is checked against. Slow and obviously correct beats fast here.
struct ReferenceDecimal: Equatable {
    /// Digits most significant first, no leading zeros ([] for zero).
    var digits: [Int]
    var negative: Bool
    /// value = digits × 10^scale
    var scale: Int

    init(digits: [Int], negative: Bool, scale: Int) {
        var trimmed = Array(digits.drop(while: { $0 == 0 }))
        var scale = scale
        while let last = trimmed.last, last == 0 {
            trimmed.removeLast()
            scale += 1
        }
        self.digits = trimmed
        self.negative = trimmed.isEmpty ? false : negative
        self.scale = trimmed.isEmpty ? 0 : scale
    }

    init(_ number: Number) {
        let text = String(number.coefficient)
        self.init(digits: text.map { Int(String($0))! }, negative: number.isNegative, scale: number.exponent)
    }

    /// Digits padded with zeros down to `scale` (which must be <= self.scale).
    func digits(atScale target: Int) -> [Int] {
        digits + Array(repeating: 0, count: scale - target)
    }

    static func compareMagnitude(_ a: [Int], _ b: [Int]) -> Int {
        let a = Array(a.drop(while: { $0 == 0 }))
        let b = Array(b.drop(while: { $0 == 0 }))
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    static func compare(_ a: ReferenceDecimal, _ b: ReferenceDecimal) -> Int {
        let signA = a.digits.isEmpty ? 0 : (a.negative ? -1 : 1)
        let signB = b.digits.isEmpty ? 0 : (b.negative ? -1 : 1)
        if signA != signB { return signA < signB ? -1 : 1 }
        if signA == 0 { return 0 }
        let scale = min(a.scale, b.scale)
        let magnitude = compareMagnitude(a.digits(atScale: scale), b.digits(atScale: scale))
        return signA > 0 ? magnitude : -magnitude
    }

    static func addMagnitudes(_ a: [Int], _ b: [Int]) -> [Int] {
        var result: [Int] = []
        var carry = 0
        var i = a.count - 1
        var j = b.count - 1
        while i >= 0 || j >= 0 || carry > 0 {
            let sum = (i >= 0 ? a[i] : 0) + (j >= 0 ? b[j] : 0) + carry
            result.append(sum % 10)
            carry = sum / 10
            i -= 1
            j -= 1
        }
        return result.reversed()
    }

    /// a - b for magnitudes with a >= b.
    static func subtractMagnitudes(_ a: [Int], _ b: [Int]) -> [Int] {
        var result: [Int] = []
        var borrow = 0
        var i = a.count - 1
        var j = b.count - 1
        while i >= 0 {
            var difference = a[i] - (j >= 0 ? b[j] : 0) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 10 }
            result.append(difference)
            i -= 1
            j -= 1
        }
        return result.reversed()
    }

    static func + (a: ReferenceDecimal, b: ReferenceDecimal) -> ReferenceDecimal {
        if a.digits.isEmpty { return b }
        if b.digits.isEmpty { return a }
        let scale = min(a.scale, b.scale)
        let x = a.digits(atScale: scale)
        let y = b.digits(atScale: scale)
        if a.negative == b.negative {
            return ReferenceDecimal(digits: addMagnitudes(x, y), negative: a.negative, scale: scale)
        }
        switch compareMagnitude(x, y) {
        case 0: return ReferenceDecimal(digits: [], negative: false, scale: 0)
        case 1: return ReferenceDecimal(digits: subtractMagnitudes(x, y), negative: a.negative, scale: scale)
        default: return ReferenceDecimal(digits: subtractMagnitudes(y, x), negative: b.negative, scale: scale)
        }
    }

    static prefix func - (a: ReferenceDecimal) -> ReferenceDecimal {
        ReferenceDecimal(digits: a.digits, negative: !a.negative, scale: a.scale)
    }

    /// True when DynamoDB can hold this value: at most 38 digits, leading digit within -130...125.
    var isRepresentable: Bool {
        if digits.isEmpty { return true }
        let adjusted = scale + digits.count - 1
        return digits.count <= 38 && adjusted <= 125 && adjusted >= -130
    }

    /// Plain decimal text, as `Number.description` should print it.
    var plainText: String {
        if digits.isEmpty { return "0" }
        let body = digits.map(String.init).joined()
        var text = negative ? "-" : ""
        if scale >= 0 {
            text += body + String(repeating: "0", count: scale)
        } else if body.count + scale > 0 {
            let split = body.index(body.startIndex, offsetBy: body.count + scale)
            text += body[..<split] + "." + body[split...]
        } else {
            text += "0." + String(repeating: "0", count: -(body.count + scale)) + body
        }
        return text
    }

    /// Exponent-notation text that `Number.init` must parse back to this value.
    var scientificText: String {
        if digits.isEmpty { return "0E7" }
        return (negative ? "-" : "") + digits.map(String.init).joined() + "E" + String(scale)
    }
}
