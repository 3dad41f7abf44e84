/// One lexical token of an expression: its kind and its UTF-8 byte range in the source.
struct Token: Equatable {
    enum Kind: Equatable {
        /// `[A-Za-z][A-Za-z0-9_]*`: an attribute name, a keyword (`AND`, `SET`, ...) or a function name.
        case identifier
        /// `#` followed by letters, digits or underscores.
        case nameReference
        /// `:` followed by letters, digits or underscores.
        case valueReference
        /// `[0-9]+` (only valid as a list index).
        case integer
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
        case leftParenthesis, rightParenthesis, leftBracket, rightBracket
        case comma, dot, plus, minus
        /// A character no token starts with (one Unicode scalar).
        case invalid
        /// The end of the expression.
        case end
    }

    let kind: Kind
    let start: Int
    let end: Int
}

/// Splits an expression into tokens. It never fails: a character that starts no token becomes an
/// `invalid` token, which the parser reports as a syntax error at that position.
enum Tokenizer {
    /// The tokens of `source`, ending with one `.end` token.
    ///
    /// - Complexity: O(n) in the length of `source`.
    static func tokenize(_ source: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(source.count / 2 + 1)
        var index = 0
        while index < source.count {
            let byte = source[index]
            let start = index
            if isWhitespace(byte) {
                index += 1
                continue
            }
            let kind: Token.Kind
            if isLetter(byte) {
                index += 1
                while index < source.count, isPlaceholderByte(source[index]) { index += 1 }
                kind = .identifier
            } else if isDigit(byte) {
                index += 1
                while index < source.count, isDigit(source[index]) { index += 1 }
                kind = .integer
            } else if byte == UInt8(ascii: "#") || byte == UInt8(ascii: ":") {
                index += 1
                while index < source.count, isPlaceholderByte(source[index]) { index += 1 }
                if index - start == 1 {
                    kind = .invalid
                } else {
                    kind = byte == UInt8(ascii: "#") ? .nameReference : .valueReference
                }
            } else {
                index += 1
                let next: UInt8? = index < source.count ? source[index] : nil
                switch byte {
                case UInt8(ascii: "="): kind = .equal
                case UInt8(ascii: "<"):
                    if next == UInt8(ascii: ">") {
                        index += 1
                        kind = .notEqual
                    } else if next == UInt8(ascii: "=") {
                        index += 1
                        kind = .lessOrEqual
                    } else {
                        kind = .less
                    }
                case UInt8(ascii: ">"):
                    if next == UInt8(ascii: "=") {
                        index += 1
                        kind = .greaterOrEqual
                    } else {
                        kind = .greater
                    }
                case UInt8(ascii: "("): kind = .leftParenthesis
                case UInt8(ascii: ")"): kind = .rightParenthesis
                case UInt8(ascii: "["): kind = .leftBracket
                case UInt8(ascii: "]"): kind = .rightBracket
                case UInt8(ascii: ","): kind = .comma
                case UInt8(ascii: "."): kind = .dot
                case UInt8(ascii: "+"): kind = .plus
                case UInt8(ascii: "-"): kind = .minus
                default:
                    // Cover the whole scalar so the error quotes a whole character.
                    while index < source.count, source[index] & 0xC0 == 0x80 { index += 1 }
                    kind = .invalid
                }
            }
            tokens.append(Token(kind: kind, start: start, end: index))
        }
        tokens.append(Token(kind: .end, start: source.count, end: source.count))
        return tokens
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Letters, digits and underscore: the characters after the first of a name or placeholder.
    static func isPlaceholderByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_")
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }
}
