import TernEngine
import TernTables

/// One peer link as `/health` reports it.
public struct PeerLinkStatus: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case connecting
        case connected
        /// Waiting before the next attempt (backoff).
        case backingOff = "backing-off"
        /// The circuit is open: no attempt until it half-opens.
        case circuitOpen = "circuit-open"
        case stopped
    }

    public var peer: RegionID
    /// The outbound link (this region's writes to the peer).
    public var state: State = .connecting
    public var circuit = "closed"
    /// The last batch of this store's feed the peer acknowledged (the durable cursor follows).
    public var ackedThrough = SequenceNumber.zero
    /// Operations committed here the peer has not acknowledged.
    public var behindOperations: UInt64 = 0
    public var inFlightBytes = 0
    /// The last lag measured on changes from this peer, in milliseconds (origin stamp to apply).
    public var lastLagMilliseconds: Double?
    /// Whether the peer's own stream to this region is connected.
    public var inboundConnected = false
    /// The last sequence of the peer's feed applied here.
    public var appliedThrough = SequenceNumber.zero
    /// Whether the peer waits for anti-entropy (its stream skipped history).
    public var needsResync = false
    public var lastError: String?
    public var reconnects = 0
    public var skewRefusals = 0
    public var conflictsOverwritten = 0

    public init(peer: RegionID) {
        self.peer = peer
    }
}
