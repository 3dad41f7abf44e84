/// A parsed `UpdateExpression`: SET, REMOVE, ADD and DELETE actions, ready to apply to items.
///
/// ```
/// update      := clause+                                  ; each of SET/REMOVE/ADD/DELETE at most once
/// clause      := SET set-action (',' set-action)*
///              | REMOVE path (',' path)*
///              | ADD path :value (',' path :value)*
///              | DELETE path :value (',' path :value)*
/// set-action  := path '=' operand [ ('+' | '-') operand ]
/// operand     := path | :value | if_not_exists '(' path ',' operand ')'
///              | list_append '(' operand ',' operand ')'     ; not nested in another function
/// ```
///
/// Parsing rejects what DynamoDB rejects before reading the item: syntax errors, a clause used
/// twice, two actions on overlapping or conflicting paths, unknown or misplaced functions, and
/// constants of the wrong type. `apply` rejects the rest (key attributes, missing operands, wrong
/// types in the item, invalid paths, the size limit).
package struct UpdateExpression: Sendable {
    /// The actions in the order written.
    package let actions: [UpdateAction]

    /// Parses `text`.
    ///
    /// - Parameter attributes: the request's placeholders; the ones used are recorded in it.
    /// - Throws: `ValidationException` with DynamoDB's message ("Invalid UpdateExpression: Syntax
    ///   error; token: ...", "The \"SET\" section can only be used once in an update expression;",
    ///   "Two document paths overlap with each other; ...").
    package init(_ text: String, attributes: inout ExpressionAttributes) throws(DynamoError) {
        var parser = try ExpressionParser(text, kind: .update, attributes: attributes)
        let actions = try parser.parseUpdate()
        try parser.finish()
        try AttributePath.checkIndependent(actions.map(\.path), kind: .update)
        attributes = parser.attributes
        self.actions = actions
    }

    /// The paths the actions write, in the order written.
    package var paths: [AttributePath] { actions.map(\.path) }
}

/// One action of an update.
package enum UpdateAction: Sendable {
    /// `SET path = value`.
    case set(AttributePath, UpdateValue)
    /// `REMOVE path`.
    case remove(AttributePath)
    /// `ADD path :value`: add a number, or union a set.
    case add(AttributePath, AttributeValue)
    /// `DELETE path :value`: remove set elements.
    case delete(AttributePath, AttributeValue)

    /// The path the action writes.
    package var path: AttributePath {
        switch self {
        case .set(let path, _), .remove(let path), .add(let path, _), .delete(let path, _): path
        }
    }
}

/// The right-hand side of a SET action.
package enum UpdateValue: Sendable {
    /// A single operand.
    case operand(UpdateOperand)
    /// `a + b` on numbers.
    case plus(UpdateOperand, UpdateOperand)
    /// `a - b` on numbers.
    case minus(UpdateOperand, UpdateOperand)
}

/// An operand of a SET action.
package indirect enum UpdateOperand: Sendable {
    /// The old item's value at a path (which must exist).
    case path(AttributePath)
    /// A constant from `ExpressionAttributeValues`.
    case value(AttributeValue)
    /// The value at the path if it exists, else the fallback.
    case ifNotExists(AttributePath, UpdateOperand)
    /// The concatenation of two lists.
    case listAppend(UpdateOperand, UpdateOperand)
}

extension ExpressionParser {
    mutating func parseUpdate() throws(DynamoError) -> [UpdateAction] {
        var actions: [UpdateAction] = []
        var seenClauses: Set<String> = []
        repeat {
            let clauseToken = current
            guard clauseToken.kind == .identifier else { throw syntaxError() }
            let clause = text(clauseToken).uppercased()
            guard ["SET", "REMOVE", "ADD", "DELETE"].contains(clause) else { throw syntaxError() }
            advance()
            if !seenClauses.insert(clause).inserted {
                deferError("The \"\(clause)\" section can only be used once in an update expression;", at: clauseToken.start)
            }
            actions.append(try parseAction(clause))
            while current.kind == .comma {
                advance()
                actions.append(try parseAction(clause))
            }
        } while current.kind != .end
        return actions
    }

    private mutating func parseAction(_ clause: String) throws(DynamoError) -> UpdateAction {
        let path = try parsePath()
        switch clause {
        case "SET":
            _ = try expect(.equal)
            let first = try parseUpdateOperand()
            let operatorToken = current
            guard operatorToken.kind == .plus || operatorToken.kind == .minus else { return .set(path, .operand(first)) }
            advance()
            let second = try parseUpdateOperand()
            let name = operatorToken.kind == .plus ? "+" : "-"
            for operand in [first, second] {
                if case .value(let value) = operand, value.type != .number {
                    deferError(
                        "Incorrect operand type for operator or function; operator or function: \(name), operand type: \(value.type.rawValue)",
                        at: operatorToken.start)
                }
            }
            return .set(path, operatorToken.kind == .plus ? .plus(first, second) : .minus(first, second))
        case "REMOVE":
            return .remove(path)
        default:  // ADD, DELETE
            let valueToken = current
            let value = try parseValueReference()
            let allowed: Bool
            switch value.type {
            case .stringSet, .numberSet, .binarySet: allowed = true
            case .number: allowed = clause == "ADD"
            default: allowed = false
            }
            if !allowed {
                deferError(
                    "Incorrect operand type for operator or function; operator: \(clause), operand type: \(value.type.longName)",
                    at: valueToken.start)
            }
            return clause == "ADD" ? .add(path, value) : .delete(path, value)
        }
    }

    private mutating func parseUpdateOperand() throws(DynamoError) -> UpdateOperand {
        updateOperand(from: try parseArgument(), topLevel: true)
    }

    /// The update operand an argument stands for. `list_append` is only allowed directly in a SET
    /// value (DynamoDB refuses it nested in another function).
    private mutating func updateOperand(from argument: Argument, topLevel: Bool) -> UpdateOperand {
        switch argument {
        case .path(let path, _): return .path(path)
        case .value(let value, _): return .value(value)
        case .call(let call):
            switch call.name {
            case "if_not_exists":
                guard checkArgumentCount(call, 2) else { return .value(.null) }
                let path = requirePath(call.arguments[0], function: call.name)
                let fallback = updateOperand(from: call.arguments[1], topLevel: false)
                return path.map { .ifNotExists($0, fallback) } ?? .value(.null)
            case "list_append" where topLevel:
                guard checkArgumentCount(call, 2) else { return .value(.null) }
                let operands = call.arguments.map { argument in updateOperand(from: argument, topLevel: false) }
                for operand in operands {
                    if case .value(let value) = operand, value.type != .list {
                        deferError(
                            "Incorrect operand type for operator or function; operator or function: list_append, operand type: \(value.type.rawValue)",
                            at: call.token.start)
                    }
                }
                return .listAppend(operands[0], operands[1])
            default:
                let known = call.name == "list_append" || call.name == "size" || ExpressionParser.booleanFunctions.contains(call.name)
                deferError(
                    known
                        ? "The function is not allowed to be used this way in an expression; function: \(call.name)"
                        : "Invalid function name; function: \(call.name)",
                    at: call.token.start)
                return .value(.null)
            }
        }
    }
}
