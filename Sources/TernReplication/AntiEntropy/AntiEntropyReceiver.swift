import TernEngine
import TernTables

/// The receiving side of anti-entropy sessions on one inbound connection.
final class AntiEntropyReceiver {
    let tables: TableStore
    let peer: RegionID

    init(tables: TableStore, peer: RegionID) {
        self.tables = tables
        self.peer = peer
    }

    func receive(_ message: AntiEntropyMessage) throws -> [PeerMessage] {
        switch message {
        case .leaves(let session, _, _, _), .versions(let session, _, _, _), .repair(let session, _, _):
            return [.antiEntropy(.done(session: session, applied: 0, stale: 0, refusal: "anti-entropy is not available yet"))]
        case .done:
            return []
        }
    }
}
