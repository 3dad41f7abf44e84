/// Where a member sits in a request (`transactItems.2.member.put.key`), for error messages.
///
/// A chain of small values rendered only when a message needs it: building the text eagerly
/// for every member read cost more than parsing a whole GetItem request.
public indirect enum WirePath: Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The request itself.
    case root
    /// A fixed name (`"S"`, `"item"`).
    case named(String)
    /// A member of an object: rendered lower-camel, as DynamoDB's messages name members.
    case member(WirePath, String)
    /// The `index`th (1-based) element of a list: DynamoDB's `member.N` numbering.
    case element(WirePath, Int)
    /// The value under a map key.
    case key(WirePath, String)

    public init(stringLiteral value: String) { self = .named(value) }

    public var description: String {
        switch self {
        case .root: return ""
        case .named(let name): return name
        case .member(let parent, let name):
            let lower = name.prefix(1).lowercased() + name.dropFirst()
            let prefix = parent.description
            return prefix.isEmpty ? lower : "\(prefix).\(lower)"
        case .element(let parent, let index): return "\(parent).\(index).member"
        case .key(let parent, let key): return "\(parent).\(key)"
        }
    }
}
