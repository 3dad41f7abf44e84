/// One chat message, shaped like an item of OITH's `Messages` table.
struct SyntheticMessage: Sendable {
    /// Partition key: `conv#<n>`.
    var conversationId: String
    /// Sort key, time-ordered: `<epoch ms, 13 digits>#<sender's user number>`.
    var messageId: String
    var sender: String
    var body: String
    /// Epoch milliseconds (the number in `messageId`).
    var sentAt: Int
}

/// Deterministic messages of `conversations` conversations with `perConversation` messages each.
/// Message `k` is number `k / conversations` of conversation `k % conversations`, so loading them
/// in order interleaves the conversations as live traffic would (a conversation's messages are
/// spread over the whole load, not written together).
struct MessagePopulation: Sendable {
    static let words = [
        "hey", "so", "coffee", "tomorrow", "maybe", "the", "park", "sounds", "great", "what", "about", "you", "weekend",
        "haha", "really", "love", "that", "film", "later", "see", "I", "was", "thinking", "we", "could", "try", "new",
        "place", "near", "station",
    ]
    static let firstMillisecond = 1_764_000_000_000

    let seed: UInt64
    let conversations: Int
    let perConversation: Int
    let users: Int

    var count: Int { conversations * perConversation }

    static func conversationId(_ conversation: Int) -> String { "conv#\(conversation)" }

    /// Message number `index` of the load order.
    func message(_ index: Int) -> SyntheticMessage {
        let conversation = index % conversations
        let position = index / conversations
        var random = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03) ^ 0x3E55)
        // Two participants per conversation; timestamps unique within it (a minute apart).
        let first = (conversation &* 7919) % users
        let sender = random.below(2) == 0 ? first : (first + 1) % users
        let sentAt = MessagePopulation.firstMillisecond + position * 60_000 + conversation % 60_000
        var body = ""
        for wordIndex in 0..<(4 + random.below(13)) {
            if wordIndex > 0 { body += " " }
            body += MessagePopulation.words[random.below(MessagePopulation.words.count)]
        }
        return SyntheticMessage(
            conversationId: MessagePopulation.conversationId(conversation), messageId: "\(sentAt)#\(sender)",
            sender: UserPopulation.email(sender), body: body, sentAt: sentAt)
    }
}
