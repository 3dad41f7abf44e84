import Glibc
import TernEngine
@testable import TernReplication
import TernTables
import TernTesting

extension ReplicationSimulation {
    /// A put, update or delete of a random key, synced or buffered; its stamp and commit stamp go
    /// into the model.
    mutating func write(at index: Int) throws {
        let region = regions[index]
        guard region.isUp, (try? region.tables.describeTable(DescribeTableRequest(tableName: Self.table))) != nil else { return }
        let tables = region.tables!
        let key = Self.keys.randomElement(using: &random)!
        let durability: Durability = Bool.random(using: &random) ? .synced : .buffered
        let owner = Self.owners.randomElement(using: &random)!
        let value = Int.random(in: 0..<1_000, using: &random)
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<5:
            let item: Item = ["k": .string(key), "owner": .string(owner), "v": .number(Number(value)), "from": .string(region.region.name)]
            try tables.putItem(PutItemRequest(tableName: Self.table, item: item), durability: durability)
        case 5..<7:
            try tables.updateItem(UpdateItemRequest(
                tableName: Self.table, key: ["k": .string(key)], updateExpression: "SET v = :v, #o = :o",
                expressionAttributeNames: ["#o": "owner"], expressionAttributeValues: [":v": .number(Number(value)), ":o": .string(owner)]),
                durability: durability)
        default:
            try tables.deleteItem(DeleteItemRequest(tableName: Self.table, key: ["k": .string(key)]), durability: durability)
        }
        let version = try tables.itemVersion(tableName: Self.table, key: ["k": .string(key)])!
        let item = try tables.getItem(GetItemRequest(tableName: Self.table, key: ["k": .string(key)])).item
        precondition(version.isTombstone == (item == nil))
        writes.append(ModelWrite(region: index, key: key, item: item, stamp: version.stamp, commit: tables.store.lastCommittedStamp))
        if durability == .synced { region.durableThrough = tables.store.lastCommittedStamp }
        report.writes += 1
    }

    /// Sends what a region's outbound streams have to send.
    ///
    /// A stream never skips history here: a skip (to the feed's end, leaving the rest to
    /// anti-entropy) is only for a peer further behind than the feed keeps, and the simulated
    /// stores keep far more than a run writes. Checked at once, since a random anti-entropy
    /// session may repair what a skip left out before the end (seed 4620: a reader failed on a
    /// removed empty WAL, and only its divergence at the end showed it).
    mutating func pump(_ index: Int) throws {
        let region = regions[index]
        guard region.isUp else { return }
        for peer in region.outbound.keys.sorted() {
            guard let link = region.outbound[peer] else { continue }
            for message in try link.stream.poll(now: now) {
                network.send(from: index, to: peer, Envelope(connection: link.connection, message: message), now: now, using: &random)
            }
            if link.stream.needsResync {
                throw SimulationFailure(
                    seed: report.seed, message: "\(region.region)'s stream to \(regions[peer].region) skipped history (it should have read all of it)")
            }
        }
    }

    /// Opens the connection `sender` → `receiver` (the handshake happens at once; what follows
    /// goes over the network).
    mutating func connect(_ sender: Int, _ receiver: Int) throws {
        guard sender != receiver, regions[sender].isUp, regions[receiver].isUp, regions[sender].outbound[receiver] == nil,
              !network.isPartitioned(sender, receiver)
        else { return }
        let from = regions[sender]
        let to = regions[receiver]
        let connection = nextConnection
        nextConnection += 1
        let inbound = try InboundStream(
            tables: to.tables, origin: from.region, originIncarnation: from.tables.incarnation, settings: settings, horizons: to.horizons)
        let outbound = try OutboundStream(tables: from.tables, peer: to.region, settings: settings, horizons: from.horizons)
        guard case .welcome(let welcome) = inbound.welcome else { preconditionFailure("welcome") }
        try outbound.start(welcome, now: now)
        from.outbound[receiver] = (connection, outbound)
        to.inbound[sender] = (connection, inbound)
    }

    /// Drops the connection `sender` → `receiver` (a TCP reset).
    mutating func disconnect(_ sender: Int, _ receiver: Int) {
        regions[sender].outbound[receiver] = nil
        regions[receiver].inbound[sender] = nil
    }

    mutating func partition(_ a: Int, _ b: Int) {
        guard a != b else { return }
        network.partition(a, b)
        disconnect(a, b)
        disconnect(b, a)
    }

    /// A power cut at a region, then a restart: unsynced writes are lost (whole, or all but a
    /// torn prefix), and so is everything the process held. The model drops the writes the
    /// recovered store lacks: the writes after the last known sync survive up to the last one
    /// whose stamp the store still shows (the store recovers a prefix, and nothing after that
    /// write can have overwritten it: remote applies sync first).
    mutating func crash(_ index: Int) throws {
        let region = regions[index]
        guard region.isUp else { return }
        let candidates = writes.indices.filter { writes[$0].region == index && !writes[$0].lost && writes[$0].commit > region.durableThrough }
        region.crash(torn: Bool.random(using: &random))
        network.dropAll(involving: index)
        for other in regions.indices where other != index {
            disconnect(index, other)
            disconnect(other, index)
        }
        try region.open(peers: peers(of: index))
        var survivors = 0
        for (offset, position) in candidates.enumerated().reversed() {
            let write = writes[position]
            if try region.tables.itemVersion(tableName: Self.table, key: ["k": .string(write.key)])?.stamp == write.stamp {
                survivors = offset + 1
                break
            }
        }
        for position in candidates.dropFirst(survivors) {
            writes[position].lost = true
            report.lostWrites += 1
        }
        region.durableThrough = region.tables.store.lastCommittedStamp
        if getenv("TERN_SIM_TRACE") != nil {
            print("[trace] crash \(region.region) candidates \(candidates.count) survivors \(survivors) recovered \(region.durableThrough.rawValue)")
        }
        report.crashes += 1
    }

    /// Moves a region's clock: within the skew bound mostly, sometimes beyond it (its stamps are
    /// then refused until the others' clocks catch up), sometimes back.
    mutating func skew(_ index: Int) {
        let bound = Int64(settings.maxClockSkew / .microseconds(1))
        regions[index].skew = Int.random(in: 0..<5, using: &random) == 0
            ? Int64.random(in: bound...(bound * 2), using: &random)
            : Int64.random(in: -(bound * 3 / 5)...(bound * 3 / 5), using: &random)
        regions[index].setTime(now)
    }

    /// Purges the tombstones a region's horizons allow.
    mutating func purge(_ index: Int) throws {
        let region = regions[index]
        guard region.isUp, let horizon = region.horizons.purgeHorizon(grace: settings.tombstoneGrace) else { return }
        // Synced, so that only local writes can be in a region's unsynced tail (see `crash`).
        report.tombstonesPurged += try region.tables.purgeTombstones(before: horizon, durability: .synced)
        region.durableThrough = region.tables.store.lastCommittedStamp
    }

    /// An anti-entropy session from one region to another (at once, frames through the codec):
    /// it must never bring back what a purged tombstone deleted.
    mutating func antiEntropy(_ initiator: Int, _ receiver: Int) throws {
        let from = regions[initiator]
        let to = regions[receiver]
        guard initiator != receiver, from.isUp, to.isUp, !network.isPartitioned(initiator, receiver),
              (try? from.tables.globalTableRecord(Self.table))??.replicas[to.region] != nil
        else { return }
        let engine = AntiEntropyInitiator(tables: from.tables, peer: to.region, maxFrameBytes: 500)
        let answering = AntiEntropyReceiver(tables: to.tables, peer: from.region, maxFrameBytes: 500)
        var replies: [PeerMessage] = []
        func wire(_ message: PeerMessage) throws -> PeerMessage {
            var bytes = message.frame.encoded
            return try PeerMessage(Frame.split(&bytes)[0])
        }
        let outcome = try engine.run(
            tableName: Self.table, session: UInt64.random(in: 1...UInt64.max, using: &random),
            send: { messages in
                for message in messages {
                    guard case .antiEntropy(let request) = try wire(message) else { continue }
                    replies += try answering.receive(request).map(wire)
                }
            },
            receive: {
                defer { replies = [] }
                return replies
            })
        report.repaired += outcome.pushed + outcome.pulled
        // As the scheduler does: a completed session resynchronizes the peer.
        if outcome.refusal == nil, try from.tables.isResyncPending(for: to.region) {
            try from.tables.setResyncPending(false, for: to.region)
        }
        // Both applied and synced what they received.
        from.durableThrough = from.tables.store.lastCommittedStamp
        to.durableThrough = to.tables.store.lastCommittedStamp
    }

    /// Delivers the frames due now: changes and heartbeats to the receiving stream, whose reply
    /// goes back; acknowledgements to the sending stream. Frames of a closed connection are lost.
    mutating func deliver() throws {
        for delivery in network.deliver(now: now) {
            let to = regions[delivery.to]
            guard to.isUp else { continue }
            let envelope = delivery.message
            let message = try envelope.message
            switch message {
            case .changes, .heartbeat:
                guard let link = to.inbound[delivery.from], link.connection == envelope.connection else { continue }
                switch try link.stream.receive(message) {
                case .applied(let reply, let result):
                    if result.applied + result.stale + result.unknownTable > 0 || !result.tableOutcomes.isEmpty {
                        to.durableThrough = to.tables.store.lastCommittedStamp  // the stream applied and synced
                    }
                    report.applied += result.applied
                    report.overwritten += result.overwritten.count
                    sendReply(reply, envelope.connection, from: delivery.to, to: delivery.from)
                case .behind(let reply):
                    sendReply(reply, envelope.connection, from: delivery.to, to: delivery.from)
                case .refused(let error):
                    if error.code == .clockSkew { report.skewRefusals += 1 }
                    disconnect(delivery.from, delivery.to)
                }
            case .ack, .nack:
                guard let link = to.outbound[delivery.from], link.connection == envelope.connection else { continue }
                try link.stream.receive(message, now: now)
            default:
                preconditionFailure("the simulation sends only stream frames")
            }
        }
    }

    private mutating func sendReply(_ message: PeerMessage, _ connection: Int, from: Int, to: Int) {
        network.send(from: from, to: to, Envelope(connection: connection, message: message), now: now, using: &random)
    }
}
