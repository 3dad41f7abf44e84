/// The grammar of ConditionExpression, FilterExpression and KeyConditionExpression (DynamoDB parses
/// all three alike; key conditions are then checked against the key schema):
///
/// ```
/// condition  := and ( OR and )*
/// and        := not ( AND not )*
/// not        := NOT not | primary
/// primary    := '(' condition ')'
///             | boolean-function
///             | operand comparator operand
///             | operand BETWEEN operand AND operand
///             | operand IN '(' operand ( ',' operand )* ')'
/// operand    := path | :value | size '(' path ')'
/// ```
///
/// so NOT binds tighter than AND, and AND tighter than OR. Keywords are case-insensitive; function
/// names are case-sensitive.
extension ExpressionParser {
    static let booleanFunctions: Set<String> = ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"]
    static let updateFunctions: Set<String> = ["if_not_exists", "list_append"]
    /// The most candidates an IN list may hold.
    static let maxInCandidates = 100

    mutating func parseCondition() throws(DynamoError) -> ConditionNode {
        var node = try parseAnd()
        while isKeyword(current, "OR") {
            advance()
            node = .or(node, try parseAnd())
        }
        return node
    }

    private mutating func parseAnd() throws(DynamoError) -> ConditionNode {
        var node = try parseNot()
        while isKeyword(current, "AND") {
            advance()
            node = .and(node, try parseNot())
        }
        return node
    }

    private mutating func parseNot() throws(DynamoError) -> ConditionNode {
        guard isKeyword(current, "NOT") else { return try parsePrimary() }
        advance()
        try enterNesting()
        defer { nesting -= 1 }
        return .not(try parseNot())
    }

    private mutating func parsePrimary() throws(DynamoError) -> ConditionNode {
        if current.kind == .leftParenthesis {
            advance()
            try enterNesting()
            let node = try parseCondition()
            _ = try expect(.rightParenthesis)
            nesting -= 1
            return node
        }
        let left: ConditionOperand
        if atFunctionCall {
            let call = try parseCall()
            // A call standing alone is a condition: it must be one of the boolean functions.
            if !atComparisonOperator { return booleanFunction(call) }
            left = operand(from: .call(call))
        } else {
            left = try parseOperand()
        }
        return try parseComparison(left)
    }

    private var atComparisonOperator: Bool {
        switch current.kind {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: true
        default: isKeyword(current, "BETWEEN") || isKeyword(current, "IN")
        }
    }

    private mutating func parseComparison(_ left: ConditionOperand) throws(DynamoError) -> ConditionNode {
        let operatorToken = current
        let comparator: Comparator
        switch operatorToken.kind {
        case .equal: comparator = .equal
        case .notEqual: comparator = .notEqual
        case .less: comparator = .less
        case .lessOrEqual: comparator = .lessOrEqual
        case .greater: comparator = .greater
        case .greaterOrEqual: comparator = .greaterOrEqual
        default:
            if isKeyword(operatorToken, "BETWEEN") {
                advance()
                let lower = try parseOperand()
                try expectKeyword("AND")
                let upper = try parseOperand()
                checkBetweenBounds(left, lower, upper, at: operatorToken.start)
                return .between(left, lower: lower, upper: upper)
            }
            if isKeyword(operatorToken, "IN") {
                advance()
                _ = try expect(.leftParenthesis)
                var candidates = [try parseOperand()]
                while current.kind == .comma {
                    advance()
                    candidates.append(try parseOperand())
                }
                _ = try expect(.rightParenthesis)
                if candidates.count > ExpressionParser.maxInCandidates {
                    deferError(
                        "Too many operands for the IN operator; maximum: \(ExpressionParser.maxInCandidates), found: \(candidates.count)",
                        at: operatorToken.start)
                }
                return .isIn(left, candidates)
            }
            throw syntaxError()
        }
        advance()
        let right = try parseOperand()
        if comparator != .equal, comparator != .notEqual {
            for operand in [left, right] { checkOrderable(operand, operatorName: comparator.rawValue, at: operatorToken.start) }
        }
        return .comparison(left, comparator, right)
    }

    /// `operand := path | :value | call`
    private mutating func parseOperand() throws(DynamoError) -> ConditionOperand {
        operand(from: try parseArgument())
    }

    /// The operand an argument stands for; calls other than `size` are semantic errors.
    private mutating func operand(from argument: Argument) -> ConditionOperand {
        switch argument {
        case .path(let path, _): return .path(path)
        case .value(let value, _): return .value(value)
        case .call(let call):
            if call.name == "size" {
                guard checkArgumentCount(call, 1), let path = requirePath(call.arguments[0], function: "size") else {
                    return .value(.null)
                }
                return .size(path)
            }
            reportMisplacedFunction(call)
            return .value(.null)
        }
    }

    /// Records the right error for a function that cannot stand where it was written.
    private mutating func reportMisplacedFunction(_ call: FunctionCall) {
        if ExpressionParser.booleanFunctions.contains(call.name) || ExpressionParser.updateFunctions.contains(call.name)
            || call.name == "size"
        {
            deferError("The function is not allowed to be used this way in an expression; function: \(call.name)", at: call.token.start)
        } else {
            deferError("Invalid function name; function: \(call.name)", at: call.token.start)
        }
    }

    private mutating func booleanFunction(_ call: FunctionCall) -> ConditionNode {
        let placeholder = ConditionNode.attributeExists(AttributePath(""))
        switch call.name {
        case "attribute_exists", "attribute_not_exists":
            guard checkArgumentCount(call, 1), let path = requirePath(call.arguments[0], function: call.name) else { return placeholder }
            return call.name == "attribute_exists" ? .attributeExists(path) : .attributeNotExists(path)
        case "attribute_type":
            guard checkArgumentCount(call, 2) else { return placeholder }
            let subject = operand(from: call.arguments[0])
            guard case .value(let typeValue, let offset) = call.arguments[1], case .string(let typeName) = typeValue else {
                deferError(
                    "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: \(describeType(call.arguments[1]))",
                    at: call.arguments[1].offset)
                return placeholder
            }
            guard let type = AttributeType(rawValue: typeName) else {
                let valid = AttributeType.allCases.map(\.rawValue).sorted().joined(separator: ",")
                deferError("Invalid attribute type name found; type: \(typeName), valid types: { \(valid) }", at: offset)
                return placeholder
            }
            return .attributeType(subject, type)
        case "begins_with":
            guard checkArgumentCount(call, 2) else { return placeholder }
            let subject = operand(from: call.arguments[0])
            let prefix = operand(from: call.arguments[1])
            for operand in [subject, prefix] {
                if case .value(let value) = operand, value.type != .string, value.type != .binary {
                    deferError(
                        "Incorrect operand type for operator or function; operator: begins_with, operand type: \(value.type.longName)",
                        at: call.token.start)
                }
            }
            return .beginsWith(subject, prefix)
        case "contains":
            guard checkArgumentCount(call, 2) else { return placeholder }
            let container = operand(from: call.arguments[0])
            let element = operand(from: call.arguments[1])
            if case .path(let first) = container, case .path(let second) = element, first == second {
                deferError(
                    "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: \(first)",
                    at: call.token.start)
            }
            return .contains(container, element)
        default:
            reportMisplacedFunction(call)
            return placeholder
        }
    }

    private func describeType(_ argument: Argument) -> String {
        switch argument {
        case .value(let value, _): value.type.longName
        case .path: "PATH"
        case .call(let call): call.name
        }
    }

    /// `<`, `<=`, `>`, `>=` and BETWEEN order only numbers, strings and binaries: a constant of
    /// another type is an error (an item attribute of another type just makes the condition false).
    private mutating func checkOrderable(_ operand: ConditionOperand, operatorName: String, at offset: Int) {
        guard case .value(let value) = operand else { return }
        switch value.type {
        case .number, .string, .binary: return
        default:
            deferError(
                "Incorrect operand type for operator or function; operator: \(operatorName), operand type: \(value.type.longName)",
                at: offset)
        }
    }

    private mutating func checkBetweenBounds(_ value: ConditionOperand, _ lower: ConditionOperand, _ upper: ConditionOperand, at offset: Int) {
        for operand in [value, lower, upper] { checkOrderable(operand, operatorName: "BETWEEN", at: offset) }
        guard case .value(let low) = lower, case .value(let high) = upper else { return }
        guard low.type == high.type else {
            deferError(
                "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: \(low.errorRendering), upper bound operand: AttributeValue: \(high.errorRendering)",
                at: offset)
            return
        }
        if let order = ConditionEvaluation.scalarOrder(low, high), order > 0 {
            deferError(
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: \(low.errorRendering), upper bound operand: AttributeValue: \(high.errorRendering)",
                at: offset)
        }
    }
}
