/// The shared machinery of the expression parsers: token navigation, document paths,
/// placeholders, function-call syntax, and DynamoDB-style errors.
///
/// Errors come in two kinds, reported in DynamoDB's order. A *syntax* error stops parsing at once.
/// A *semantic* error (an undefined placeholder, a reserved word, an unknown function, a constant
/// of the wrong type) is remembered and parsing goes on, so that a syntax error later in the text
/// still wins; the first semantic error is thrown when parsing ends. Either way the caller gets an
/// error and never a partial result.
struct ExpressionParser {
    let kind: ExpressionKind
    let source: [UInt8]
    let tokens: [Token]
    var position = 0
    var attributes: ExpressionAttributes
    private var deferredError: DynamoError?
    /// Parentheses and NOT levels open; bounded so hostile input cannot exhaust the stack.
    var nesting = 0
    static let maxNesting = 64

    init(_ text: String, kind: ExpressionKind, attributes: ExpressionAttributes) throws(DynamoError) {
        self.kind = kind
        self.source = Array(text.utf8)
        self.attributes = attributes
        if source.allSatisfy(Tokenizer.isWhitespace) { throw kind.error("The expression can not be empty;") }
        if source.count > ExpressionKind.maxLengthBytes {
            throw kind.error("Expression size has exceeded the maximum allowed size; expression size: \(source.count)")
        }
        self.tokens = Tokenizer.tokenize(source)
    }

    // MARK: Tokens

    var current: Token { tokens[position] }

    func peek(_ offset: Int = 1) -> Token { tokens[Swift.min(position + offset, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    func text(_ token: Token) -> String {
        String(decoding: source[token.start..<token.end], as: UTF8.self)
    }

    /// True when `token` is the identifier `word`, ignoring ASCII case (keywords are case-insensitive).
    func isKeyword(_ token: Token, _ word: String) -> Bool {
        guard token.kind == .identifier, token.end - token.start == word.utf8.count else { return false }
        return zip(source[token.start..<token.end], word.utf8).allSatisfy { lhs, rhs in
            lhs | 0x20 == rhs | 0x20
        }
    }

    mutating func expect(_ kind: Token.Kind) throws(DynamoError) -> Token {
        guard current.kind == kind else { throw syntaxError() }
        return advance()
    }

    mutating func expectKeyword(_ word: String) throws(DynamoError) {
        guard isKeyword(current, word) else { throw syntaxError() }
        advance()
    }

    // MARK: Errors

    /// DynamoDB's syntax error at `token` (default: the current one): the token and the text from
    /// the token before it to the token after it.
    func syntaxError(at token: Token? = nil) -> DynamoError {
        let token = token ?? current
        let index = tokens.firstIndex(where: { $0.start == token.start && $0.kind == token.kind }) ?? position
        let nearStart = index > 0 ? tokens[index - 1].start : token.start
        let nearEnd = index + 1 < tokens.count ? tokens[index + 1].end : token.end
        let near = String(decoding: source[nearStart..<Swift.max(nearStart, nearEnd)], as: UTF8.self)
        let shown = token.kind == .end ? "<EOF>" : text(token)
        return kind.error("Syntax error; token: \"\(shown)\", near: \"\(near)\"", offset: token.start)
    }

    /// Records a semantic error; the first one is thrown by `finish()` if no syntax error comes first.
    mutating func deferError(_ detail: String, at offset: Int) {
        if deferredError == nil { deferredError = kind.error(detail, offset: offset) }
    }

    /// Requires the end of the expression, then throws the first semantic error, if any.
    mutating func finish() throws(DynamoError) {
        guard current.kind == .end else { throw syntaxError() }
        if let deferredError { throw deferredError }
    }

    mutating func enterNesting() throws(DynamoError) {
        nesting += 1
        if nesting > ExpressionParser.maxNesting {
            throw kind.error("The expression has more than \(ExpressionParser.maxNesting) levels of nesting", offset: current.start)
        }
    }

    // MARK: Paths and placeholders

    /// `path := name ( '.' name | '[' integer ']' )*` where `name` is an identifier or `#placeholder`.
    mutating func parsePath() throws(DynamoError) -> AttributePath {
        let start = current.start
        let head = try parsePathName()
        var rest: [AttributePath.Element] = []
        while true {
            if current.kind == .dot {
                advance()
                rest.append(.name(try parsePathName()))
            } else if current.kind == .leftBracket {
                advance()
                let indexToken = try expect(.integer)
                guard let index = Int(text(indexToken)) else { throw syntaxError(at: indexToken) }
                _ = try expect(.rightBracket)
                rest.append(.index(index))
            } else {
                break
            }
        }
        if rest.count + 1 > AttributePath.maxDepth {
            deferError("The document path has too many nesting levels; nesting levels: \(rest.count + 1)", at: start)
        }
        return AttributePath(head, rest)
    }

    private mutating func parsePathName() throws(DynamoError) -> String {
        let token = current
        switch token.kind {
        case .identifier:
            // The grammar's own keywords never name an attribute: DynamoDB reports a syntax error.
            for keyword in ["AND", "OR", "NOT", "BETWEEN", "IN"] where isKeyword(token, keyword) { throw syntaxError() }
            advance()
            let name = text(token)
            if ReservedWords.contains(name) {
                deferError("Attribute name is a reserved keyword; reserved keyword: \(name)", at: token.start)
            }
            return name
        case .nameReference:
            advance()
            let placeholder = text(token)
            guard let name = attributes.useName(placeholder) else {
                deferError(
                    "An expression attribute name used in the document path is not defined; attribute name: \(placeholder)",
                    at: token.start)
                return placeholder
            }
            return name
        default:
            throw syntaxError()
        }
    }

    /// Resolves the `:placeholder` at the current token.
    mutating func parseValueReference() throws(DynamoError) -> AttributeValue {
        let token = try expect(.valueReference)
        let placeholder = text(token)
        guard let value = attributes.useValue(placeholder) else {
            deferError(
                "An expression attribute value used in expression is not defined; attribute value: \(placeholder)",
                at: token.start)
            return .null
        }
        return value
    }

    // MARK: Function calls

    /// A function call as written: the parser accepts any name and any arguments, and the caller
    /// decides (with a semantic error) whether the function exists and is allowed there.
    struct FunctionCall {
        let name: String
        let token: Token
        let arguments: [Argument]
    }

    indirect enum Argument {
        case path(AttributePath, offset: Int)
        case value(AttributeValue, offset: Int)
        case call(FunctionCall)

        var offset: Int {
            switch self {
            case .path(_, let offset), .value(_, let offset): offset
            case .call(let call): call.token.start
            }
        }
    }

    /// True at `name (`: a function call rather than a path.
    var atFunctionCall: Bool { current.kind == .identifier && peek().kind == .leftParenthesis }

    /// `call := identifier '(' argument (',' argument)* ')'`
    mutating func parseCall() throws(DynamoError) -> FunctionCall {
        let nameToken = try expect(.identifier)
        _ = try expect(.leftParenthesis)
        try enterNesting()
        var arguments = [try parseArgument()]
        while current.kind == .comma {
            advance()
            arguments.append(try parseArgument())
        }
        _ = try expect(.rightParenthesis)
        nesting -= 1
        return FunctionCall(name: text(nameToken), token: nameToken, arguments: arguments)
    }

    /// `argument := call | path | :placeholder`
    mutating func parseArgument() throws(DynamoError) -> Argument {
        let offset = current.start
        if atFunctionCall { return .call(try parseCall()) }
        switch current.kind {
        case .identifier, .nameReference: return .path(try parsePath(), offset: offset)
        case .valueReference: return .value(try parseValueReference(), offset: offset)
        default: throw syntaxError()
        }
    }

    /// Records an argument-count error unless `call` has exactly `count` arguments.
    mutating func checkArgumentCount(_ call: FunctionCall, _ count: Int) -> Bool {
        guard call.arguments.count == count else {
            deferError(
                "Incorrect number of operands for operator or function; operator or function: \(call.name), number of operands: \(call.arguments.count)",
                at: call.token.start)
            return false
        }
        return true
    }

    /// The path of `argument`, or a semantic error naming `function` when it is not a path.
    mutating func requirePath(_ argument: Argument, function: String) -> AttributePath? {
        if case .path(let path, _) = argument { return path }
        deferError("Operator or function requires a document path; operator or function: \(function)", at: argument.offset)
        return nil
    }
}

extension AttributeValue {
    /// DynamoDB's rendering of a value in error messages, e.g. `{N:5}`, `{S:dog}`.
    var errorRendering: String {
        switch self {
        case .string(let string): "{S:\(string)}"
        case .number(let number): "{N:\(number)}"
        case .binary(let bytes): "{B:\(hexString(bytes))}"
        case .bool(let flag): "{BOOL:\(flag)}"
        case .null: "{NULL:true}"
        default: "{\(type.rawValue):...}"
        }
    }
}
