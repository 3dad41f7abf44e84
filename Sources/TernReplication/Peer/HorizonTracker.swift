import Synchronization
import TernEngine
import TernTables

/// Which part of every region's history this region knows to be everywhere: the basis of
/// tombstone purging.
///
/// - A peer's **feed horizon** (recorded in this store's `ReceiveMarker` for it): every batch the
///   peer committed with a stamp at or before it has been applied here.
/// - This region's **applied horizon**: the minimum of its peers' feed horizons (its own history
///   it holds by definition). It tells its peers in every frame and acknowledgement.
/// - The **purge horizon**: the minimum of this region's applied horizon and the applied horizons
///   its peers last reported. A tombstone older than it minus the grace period is in every
///   region, and no write older than it can arrive anywhere: it can go.
///
/// Thread safety: state behind a `Mutex`.
public final class HorizonTracker: Sendable {
    private struct State {
        var peers: Set<RegionID>
        var feedHorizons: [RegionID: HybridTimestamp] = [:]
        var reportedHorizons: [RegionID: HybridTimestamp] = [:]
    }

    private let state: Mutex<State>

    /// A tracker for `peers`, starting from the feed horizons recorded in `tables`' markers.
    public init(peers: Set<RegionID>, tables: TableStore) throws {
        var initial = State(peers: peers)
        for peer in peers {
            if let marker = try tables.receiveMarker(from: peer) { initial.feedHorizons[peer] = marker.horizon }
        }
        state = Mutex(initial)
    }

    /// Records a peer's feed horizon (after the batches it covers were applied durably).
    public func recordFeedHorizon(_ horizon: HybridTimestamp, of peer: RegionID) {
        state.withLock { $0.feedHorizons[peer] = max($0.feedHorizons[peer] ?? .zero, horizon) }
    }

    /// Forgets a peer's feed horizon (its store is another incarnation: its history starts over).
    public func resetFeedHorizon(of peer: RegionID) {
        state.withLock { $0.feedHorizons[peer] = nil }
    }

    /// Records the applied horizon a peer reported.
    public func recordReportedHorizon(_ horizon: HybridTimestamp, of peer: RegionID) {
        state.withLock { $0.reportedHorizons[peer] = max($0.reportedHorizons[peer] ?? .zero, horizon) }
    }

    /// This region's applied horizon (zero until every peer's feed horizon is known).
    public var appliedHorizon: HybridTimestamp {
        state.withLock { state in state.peers.map { state.feedHorizons[$0] ?? .zero }.min() ?? .max }
    }

    /// Tombstones stamped before this may be purged (nil: none may).
    public func purgeHorizon(grace: Duration) -> HybridTimestamp? {
        let horizon = state.withLock { state -> HybridTimestamp in
            let own = state.peers.map { state.feedHorizons[$0] ?? .zero }.min() ?? .max
            let reported = state.peers.map { state.reportedHorizons[$0] ?? .zero }.min() ?? .max
            return min(own, reported)
        }
        let graceStamp = UInt64(max(0, grace.microseconds)) << UInt64(HybridTimestamp.logicalBits)
        guard horizon != .max, horizon.rawValue > graceStamp else { return nil }
        return HybridTimestamp(rawValue: horizon.rawValue - graceStamp)
    }
}
