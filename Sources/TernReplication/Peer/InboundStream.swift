import TernEngine
import TernTables

/// The receiving end of one peer's stream (one connection): checks that frames follow what was
/// applied, bounds clock skew, applies last writer wins, records the peer's position and feed
/// horizon with the changes, syncs, and answers.
///
/// Not thread-safe: one connection's frames, in order, on one thread at a time.
public final class InboundStream {
    public let origin: RegionID
    let tables: TableStore
    let settings: ReplicationSettings
    let horizons: HorizonTracker
    /// What has been applied from `origin` (this incarnation of its store).
    public private(set) var marker: ReceiveMarker

    /// What one frame did.
    public enum Outcome: Sendable {
        /// Applied (or already applied): the reply to send, and what the apply did.
        case applied(reply: PeerMessage, result: ReplicatedApplyResult)
        /// Not applied: the reply (a `nack` asking for what follows the applied position).
        case behind(reply: PeerMessage)
        /// Refused: nothing applied; drop the connection with this refusal.
        case refused(ProtocolError)
    }

    /// Opens the stream from `origin`'s store incarnation `originIncarnation`. What was applied
    /// from another incarnation does not count (that store's feed is another history).
    public init(tables: TableStore, origin: RegionID, originIncarnation: UInt64, settings: ReplicationSettings, horizons: HorizonTracker) throws {
        self.tables = tables
        self.origin = origin
        self.settings = settings
        self.horizons = horizons
        let stored = try tables.receiveMarker(from: origin)
        if let stored, stored.incarnation == originIncarnation {
            marker = stored
        } else {
            marker = ReceiveMarker(incarnation: originIncarnation, sequence: .zero, commitStamp: .zero, horizon: .zero)
            if stored != nil { horizons.resetFeedHorizon(of: origin) }
        }
    }

    /// The last handshake frame: where the origin's stream resumes.
    public var welcome: PeerMessage {
        .welcome(Welcome(appliedThrough: marker.sequence, appliedHorizon: horizons.appliedHorizon))
    }

    /// Handles one frame of the stream (`changes` or `heartbeat`).
    ///
    /// - Throws: storage errors (the connection should be dropped; nothing acknowledged).
    public func receive(_ message: PeerMessage) throws -> Outcome {
        switch message {
        case .changes(let changes): return try receive(changes)
        case .heartbeat(let heartbeat): return try receive(heartbeat)
        default: return .refused(ProtocolError(.unexpected, "a \(message.frame.type) frame in the changes stream"))
        }
    }

    private func receive(_ message: ChangesMessage) throws -> Outcome {
        horizons.recordReportedHorizon(message.appliedHorizon, of: origin)
        if message.through <= marker.sequence {
            return .applied(reply: ack, result: ReplicatedApplyResult())
        }
        guard message.first.rawValue <= marker.sequence.rawValue + 1 || message.afterGap else {
            return .behind(reply: .nack(NackMessage(appliedThrough: marker.sequence)))
        }
        let next = ReceiveMarker(
            incarnation: marker.incarnation, sequence: message.through, commitStamp: message.commitStamp,
            horizon: max(marker.horizon, message.feedHorizon))
        var result = ReplicatedApplyResult()
        if !message.changes.isEmpty {
            let newest = message.changes.lazy.map(\.stamp.time).max().map { max($0, message.commitStamp) } ?? message.commitStamp
            do {
                try tables.store.clock.receive(newest, maxAheadOfWallClock: settings.maxClockSkew)
            } catch {
                return .refused(ProtocolError(.clockSkew, "\(origin)'s \(error)"))
            }
            result = try tables.applyReplicated(message.changes, from: origin, marker: next, durability: .buffered)
            try tables.store.sync()
        }
        // A frame without changes for this region is acknowledged without writing the marker down:
        // after a restart the sender resumes at its own cursor, past such stretches (every change
        // this region acknowledged is in a durable marker).
        marker = next
        horizons.recordFeedHorizon(next.horizon, of: origin)
        return .applied(reply: ack, result: result)
    }

    private func receive(_ heartbeat: HeartbeatMessage) throws -> Outcome {
        horizons.recordReportedHorizon(heartbeat.appliedHorizon, of: origin)
        if heartbeat.through > marker.sequence && !heartbeat.afterGap {
            // Frames were lost (or are still on their way): ask for what follows.
            return .behind(reply: .nack(NackMessage(appliedThrough: marker.sequence)))
        }
        if heartbeat.through >= marker.sequence {
            // After a gap the sender skipped history it no longer has (and resynchronizes it).
            marker.sequence = heartbeat.through
            marker.horizon = max(marker.horizon, heartbeat.feedHorizon)
            horizons.recordFeedHorizon(marker.horizon, of: origin)
        }
        return .applied(reply: ack, result: ReplicatedApplyResult())
    }

    private var ack: PeerMessage {
        .ack(AckMessage(through: marker.sequence, appliedHorizon: horizons.appliedHorizon))
    }
}
