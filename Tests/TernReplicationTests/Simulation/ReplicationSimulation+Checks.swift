import Glibc
import TernEngine
import TernReplication
import TernTables
import TernTesting

extension ReplicationSimulation {
    /// Stops the faults (no loss or duplication, partitions healed, clocks back in step) and runs
    /// the links until every region has acknowledged every other region's whole feed.
    mutating func settle() throws {
        network.faults.loss = 0
        network.faults.duplication = 0
        network.heal()
        for region in regions { region.skew = 0 }
        advance(by: 0)
        for region in regions where region.isUp {
            try region.tables.store.sync()
            region.durableThrough = region.tables.store.lastCommittedStamp
        }
        for round in 1...3_000 {
            // Large steps: a clock that ran ahead of the bound needs the others to catch up.
            advance(by: 100_000)
            for sender in regions.indices { for receiver in regions.indices { try connect(sender, receiver) } }
            for index in regions.indices { try pump(index) }
            try deliver()
            if round % 10 == 0 { for index in regions.indices { try purge(index) } }
            if isSettled() {
                report.settleRounds = round
                return
            }
        }
        throw SimulationFailure(seed: report.seed, message: "the regions did not settle: \(linkStates())")
    }

    func isSettled() -> Bool {
        regions.allSatisfy { sender in
            sender.outbound.count == regions.count - 1
                && sender.outbound.values.allSatisfy { $0.stream.ackedThrough == sender.tables.store.durableSequence }
        }
    }

    func linkStates() -> String {
        regions.map { sender in
            "\(sender.region) durable \(sender.tables.store.durableSequence): "
                + sender.outbound.keys.sorted().map { "→\(regions[$0].region) acked \(sender.outbound[$0]!.stream.ackedThrough)" }.joined(separator: ", ")
        }.joined(separator: "; ")
    }

    /// Every region holds the same contents (items, index entries, stamps), each key holds the
    /// surviving write with the greatest stamp (a tombstone, if one is left, is that write's),
    /// and every region's index matches its items. Tombstones may differ: each region purges
    /// them when its horizons allow.
    func check() throws {
        let first = try contents(regions[0])
        for region in regions.dropFirst() where try contents(region) != first {
            throw SimulationFailure(seed: report.seed, message: "\(region.region) differs from \(regions[0].region): \(try difference(regions[0], region))")
        }
        if let trace = getenv("TERN_SIM_TRACE").map({ String(cString: $0) }) {
            for write in writes where write.key == trace {
                print("[trace] \(regions[write.region].region) \(write.item.map { "put \($0["v"]!)" } ?? "delete") stamp \(write.stamp) commit \(write.commit.rawValue) lost \(write.lost)")
            }
        }
        var winners: [String: ModelWrite] = [:]
        for write in writes where !write.lost {
            if let current = winners[write.key], current.stamp >= write.stamp { continue }
            winners[write.key] = write
        }
        for region in regions {
            let tables = region.tables!
            for key in Self.keys {
                let item = try tables.getItem(GetItemRequest(tableName: Self.table, key: ["k": .string(key)])).item
                let expected = winners[key]?.item
                guard item == expected else {
                    throw SimulationFailure(
                        seed: report.seed,
                        message: "\(region.region) holds \(item.map { "\($0)" } ?? "nothing") under \(key); the newest surviving write is \(winners[key].map { "\($0.item.map { "\($0)" } ?? "a delete") at \($0.stamp)" } ?? "none")")
                }
                let version = try tables.itemVersion(tableName: Self.table, key: ["k": .string(key)])
                if let version, version.stamp != winners[key]?.stamp {
                    throw SimulationFailure(
                        seed: report.seed, message: "\(region.region) holds \(key) at \(version.stamp), the winner is \(winners[key].map { "\($0.stamp)" } ?? "none")")
                }
                if winners[key] != nil && winners[key]?.item != nil && version == nil {
                    throw SimulationFailure(seed: report.seed, message: "\(region.region) holds \(key) without its stamp")
                }
            }
            try checkIndex(region)
        }
    }

    func checkIndex(_ region: SimulatedRegion) throws {
        let tables = region.tables!
        let items = try tables.scan(ScanRequest(tableName: Self.table)).items
        for owner in Self.owners {
            let indexed = try tables.query(QueryRequest(
                tableName: Self.table, indexName: "by-owner", keyConditionExpression: "#o = :o",
                expressionAttributeNames: ["#o": "owner"], expressionAttributeValues: [":o": .string(owner)])).items
            let expected = items.filter { $0["owner"] == .string(owner) }
            guard Set(indexed.map { $0["k"]! }) == Set(expected.map { $0["k"]! }), indexed.count == expected.count,
                  indexed.allSatisfy({ entry in expected.contains(entry) })
            else {
                throw SimulationFailure(seed: report.seed, message: "\(region.region)'s index for \(owner) does not match its items")
            }
        }
    }

    /// The table's engine entries without the table id (ids differ between regions).
    func contents(_ region: SimulatedRegion) throws -> [[UInt8]] {
        let id = try region.tables.describeTable(DescribeTableRequest(tableName: Self.table)).table.tableID
        var lower: [UInt8] = []
        for shift in stride(from: 24, through: 0, by: -8) { lower.append(UInt8(truncatingIfNeeded: id >> UInt32(shift))) }
        var upper: [UInt8] = []
        for shift in stride(from: 24, through: 0, by: -8) { upper.append(UInt8(truncatingIfNeeded: (id + 1) >> UInt32(shift))) }
        return try region.tables.store.scan(lowerBound: lower, upperBound: upper)
            .filter { $0.key[4] != 253 }  // tombstones: see `check`
            .map { Array($0.key[4...]) + [0xFF] + $0.value }
    }

    func difference(_ a: SimulatedRegion, _ b: SimulatedRegion) throws -> String {
        let left = Set(try contents(a))
        let right = Set(try contents(b))
        func show(_ entries: Set<[UInt8]>) -> String {
            entries.sorted { $0.lexicographicallyPrecedes($1) }.prefix(4).map { entry in
                "[index \(entry[0])] " + String(decoding: entry.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
            }.joined(separator: " | ")
        }
        return "\(left.subtracting(right).count) entries only in \(a.region) (\(show(left.subtracting(right)))), "
            + "\(right.subtracting(left).count) only in \(b.region) (\(show(right.subtracting(left))))"
    }
}
