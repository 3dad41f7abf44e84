/// A deterministic network for simulations: messages between numbered nodes are delayed by a
/// seeded random time (so they overtake each other), dropped, duplicated, or cut by partitions,
/// and delivered in time order when the simulation asks.
///
/// Everything random comes from the generator the simulation passes in, so one seed replays one
/// history exactly.
public struct SimulatedNetwork<Message> {
    public struct Faults: Sendable {
        /// Delay of each message, in microseconds (uniform in the range).
        public var delayMicroseconds: ClosedRange<Int64> = 100...2_000
        /// Probability a message is dropped.
        public var loss = 0.0
        /// Probability a message is delivered twice (the copy with its own delay).
        public var duplication = 0.0

        public init(delayMicroseconds: ClosedRange<Int64> = 100...2_000, loss: Double = 0, duplication: Double = 0) {
            self.delayMicroseconds = delayMicroseconds
            self.loss = loss
            self.duplication = duplication
        }
    }

    public struct Delivery {
        public var from: Int
        public var to: Int
        public var message: Message
    }

    private struct Pending {
        var at: Int64
        var order: Int
        var delivery: Delivery
    }

    public var faults: Faults
    private var pending: [Pending] = []
    private var nextOrder = 0
    /// Directed links that drop everything (a partition cuts both directions).
    private var cut: Set<[Int]> = []
    public private(set) var sent = 0
    public private(set) var dropped = 0
    public private(set) var duplicated = 0

    public init(faults: Faults = Faults()) {
        self.faults = faults
    }

    /// Sends `message` at time `now`.
    public mutating func send(from: Int, to: Int, _ message: Message, now: Int64, using random: inout some RandomNumberGenerator) {
        sent += 1
        if cut.contains([from, to]) || Double.random(in: 0..<1, using: &random) < faults.loss {
            dropped += 1
            return
        }
        enqueue(Delivery(from: from, to: to, message: message), at: now + Int64.random(in: faults.delayMicroseconds, using: &random))
        if Double.random(in: 0..<1, using: &random) < faults.duplication {
            duplicated += 1
            enqueue(Delivery(from: from, to: to, message: message), at: now + Int64.random(in: faults.delayMicroseconds, using: &random))
        }
    }

    private mutating func enqueue(_ delivery: Delivery, at time: Int64) {
        pending.append(Pending(at: time, order: nextOrder, delivery: delivery))
        nextOrder += 1
    }

    /// Removes and returns the messages due at `now`, earliest first.
    public mutating func deliver(now: Int64) -> [Delivery] {
        let due = pending.filter { $0.at <= now }.sorted { ($0.at, $0.order) < ($1.at, $1.order) }
        guard !due.isEmpty else { return [] }
        pending.removeAll { $0.at <= now }
        return due.map(\.delivery)
    }

    /// Messages not yet delivered.
    public var inFlight: Int { pending.count }

    /// Cuts both directions between `a` and `b` (messages already on their way still arrive).
    public mutating func partition(_ a: Int, _ b: Int) {
        cut.insert([a, b])
        cut.insert([b, a])
    }

    /// Whether `a` and `b` are cut off from each other.
    public func isPartitioned(_ a: Int, _ b: Int) -> Bool { cut.contains([a, b]) }

    /// Restores every link.
    public mutating func heal() {
        cut.removeAll()
    }

    /// Drops every message to or from `node` still on its way (the node crashed).
    public mutating func dropAll(involving node: Int) {
        let before = pending.count
        pending.removeAll { $0.delivery.from == node || $0.delivery.to == node }
        dropped += before - pending.count
    }
}
