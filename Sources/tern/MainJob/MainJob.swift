import Glibc
import OITHExample
import TernEngine
import TernRecovery
import TernTables

/// The main job: regions on one machine, the seed's stress test against all of them, conflicting
/// writes, a partition, an "oops" undone by point-in-time recovery, verification, and a report
/// beside the seed's targets (console and `report.html`).
final class MainJob {
    struct Options {
        var data = "tern-data"
        var regionNames = ["us-east", "us-west", "eu-west"]
        var users = 20_000
        var duration = 60.0
        var rate = 500.0
        var workers = 8
        var seed: UInt64 = 42
        var disruption = 0.01
    }

    let options: Options
    var regions: [Region] = []
    var population: [String: [DemoPopulation.User]] = [:]
    let timeline = Timeline()
    var results = Results()
    var mesh: ReplicationMesh?
    var healedAt: Double?
    var stressStarted = 0.0
    var stressEnded = 0.0
    var healTargets: [String: SequenceNumber] = [:]

    /// What the run measured, for the report.
    struct Results {
        var loadSeconds = 0.0
        var usersLoaded = 0
        var conflictingWrites = 0
        var partition: (region: String, from: Double, to: Double)?
        var convergenceSeconds: Double?
        /// From healing the partition until every link of the cut region had shipped its backlog.
        var catchUpSeconds: Double?
        var restoreSeconds = 0.0
        var itemsRestored = 0
        var itemsDeleted = 0
        var restoredMatches = false
        var digestsMatch: [String: Bool] = [:]
        var digests: [String: [String: Verification.TableDigest]] = [:]
        var acknowledgedPresent = 0
        var acknowledgedOverwritten = 0
        var lost: [String] = []
        var replication: ReplicationSummary?
        var notes: [String] = []
    }

    init(options: Options) {
        self.options = options
    }

    /// Runs every phase; returns whether every verification passed.
    func run() throws -> Bool {
        try phase("open the regions") { try openRegions() }
        try phase("load synthetic data") { try load() }
        try phase("stress test (\(Int(options.duration)) s at \(Int(options.rate)) req/s)") { try stress() }
        try phase("converge") { try converge() }
        try phase("oops: delete messages, restore them (PITR)") { try oops() }
        try phase("verify") { try verify() }
        let passed = verdict()
        try phase("report") { try report(passed: passed) }
        detachReplication()
        for region in regions { try region.close() }
        return passed
    }

    private func phase(_ name: String, _ body: () throws -> Void) throws {
        print("== \(name)")
        let start = ContinuousClock.now
        try body()
        print("   done in \(format(seconds(ContinuousClock.now - start))) s")
    }

    // MARK: Phases

    private func openRegions() throws {
        for (index, name) in options.regionNames.enumerated() {
            let region = try Region(name: name, root: options.data)
            // The global tables are created in the first region and reach the others through
            // replication; every region has its own Analytics.
            try region.createTables(global: index == 0)
            regions.append(region)
            print("   \(name): \(Path.join(options.data, name))/{data,archive}")
        }
        try attachReplication()
        _ = try regions[0].recovery.updateContinuousBackups(UpdateContinuousBackupsRequest(tableName: "Messages", pointInTimeRecoveryEnabled: true))
    }

    private func load() throws {
        var generator = DemoPopulation(seed: options.seed)
        var pending: [String: [WriteRequest]] = [:]
        let names = options.regionNames
        let start = ContinuousClock.now
        for index in 0..<options.users {
            let (item, user) = try generator.user(index)
            let home = Region.home(longitude: user.longitude, regions: names)
            population[home, default: []].append(user)
            pending[home, default: []].append(.put(item: item))
            if pending[home]!.count == TableStore.maxBatchWriteRequests {
                try write(pending[home]!, table: OITHSchemas.usersTableName, region: home)
                pending[home] = []
            }
            if index % 2_000 == 1_999 { progress("users", index + 1, options.users) }
        }
        for (home, requests) in pending where !requests.isEmpty { try write(requests, table: OITHSchemas.usersTableName, region: home) }
        // Candidate lists (Matches, with a TTL), a conversation each for some users, daily metrics.
        var random = SplitMix(seed: options.seed ^ 0xC0FFEE)
        for region in regions {
            let homed = population[region.name] ?? []
            var matches: [WriteRequest] = []
            var messages: [WriteRequest] = []
            for user in homed.prefix(2_000) {
                let candidate = homed[random.below(homed.count)]
                matches.append(.put(item: [
                    "userEmail": .string(user.email), "candidateEmail": .string(candidate.email),
                    "score": .number(Number(random.below(1000))), "token": .string("load"),
                    "expiresAt": .number(Number(Int(TableClock.system.nowEpochSeconds()) + 86_400)),
                ]))
                messages.append(.put(item: [
                    "conversationId": .string("c\(random.below(2_000))"), "messageId": .string("0-\(user.email)"),
                    "sender": .string(user.email), "body": .string("hi!"), "token": .string("load"),
                ]))
            }
            for chunk in stride(from: 0, to: matches.count, by: 25) {
                try write(Array(matches[chunk..<min(chunk + 25, matches.count)]), table: "Matches", region: region.name)
                try write(Array(messages[chunk..<min(chunk + 25, messages.count)]), table: "Messages", region: region.name)
            }
            _ = try region.tables.putItem(PutItemRequest(tableName: "Analytics", item: [
                "metricDay": .string("users#\(region.name)"), "timestamp": .number(Number(Int(TableClock.system.nowEpochSeconds()))),
                "count": .number(Number(homed.count)),
            ]), durability: .synced)
        }
        for region in regions { try region.tables.store.sync() }
        results.loadSeconds = seconds(ContinuousClock.now - start)
        results.usersLoaded = options.users
        print("   \(options.users) users in \(format(results.loadSeconds)) s, homed: "
            + regions.map { "\($0.name) \(population[$0.name]?.count ?? 0)" }.joined(separator: ", "))
    }

    private func write(_ requests: [WriteRequest], table: String, region name: String) throws {
        let region = regions.first { $0.name == name }!
        _ = try region.tables.batchWriteItem(BatchWriteItemRequest(requestItems: [table: requests]), durability: .buffered)
    }

    private func stress() throws {
        let test = StressTest(regions: regions, users: population, timeline: timeline)
        stressTest = test
        let started = timeline.elapsed()
        stressStarted = started
        let threads = test.start(rate: options.rate, workers: options.workers, seed: options.seed)
        let end = started + options.duration
        let conflictAt = started + options.duration * 0.3
        let partitionFrom = started + options.duration * 0.45
        let partitionTo = started + options.duration * 0.7
        var conflicted = false, partitioned = false, healed = false
        while timeline.elapsed() < end {
            let now = timeline.elapsed()
            if !conflicted && now >= conflictAt {
                conflicted = true
                try conflictingWrites()
            }
            if regions.count > 1 && !partitioned && now >= partitionFrom {
                partitioned = true
                setPartition(regions.last!.name, true)
                timeline.mark("partition", from: now, to: nil)
            }
            if partitioned && !healed && now >= partitionTo {
                healed = true
                setPartition(regions.last!.name, false)
                healedAt = now
                for region in regions { healTargets[region.name] = region.tables.store.durableSequence }
                results.partition = (regions.last!.name, partitionFrom, now)
            }
            sampleReplication()
            usleep(100_000)
            let done = Int(timeline.elapsed() - started)
            progressLine("   \(done) s / \(Int(options.duration)) s: \(test.requests.load(ordering: .relaxed)) requests, "
                + "\(test.failures.load(ordering: .relaxed)) failed\(partitioned && !healed ? ", \(regions.last!.name) cut off" : "")")
        }
        test.stop(threads)
        stressEnded = timeline.elapsed()
        print("")
        if partitioned && !healed {
            setPartition(regions.last!.name, false)
            results.partition = (regions.last!.name, partitionFrom, timeline.elapsed())
        }
    }

    var stressTest: StressTest?

    /// The same 50 profiles updated at the same moment in two regions: last writer wins.
    private func conflictingWrites() throws {
        guard regions.count > 1, let homed = population[regions[0].name], homed.count >= 50 else { return }
        let targets = homed.prefix(50)
        let pair = [regions[0], regions[1]]
        let threads = pair.map { region in
            BackgroundThread { [targets, timeline, stressTest] in
                for user in targets {
                    let token = "\(region.name)-conflict-\(user.email)"
                    do {
                        _ = try region.tables.updateItem(UpdateItemRequest(
                            tableName: OITHSchemas.usersTableName, key: ["email": .string(user.email)],
                            updateExpression: "SET bio = :bio", expressionAttributeValues: [":bio": .string("bio \(token)")]),
                            durability: .synced)
                        stressTest?.acknowledged.record(table: OITHSchemas.usersTableName, key: user.email, token: token)
                    } catch {
                        timeline.record(region.name, latencyMicroseconds: 0, failed: true)
                    }
                }
            }
        }
        for thread in threads { thread.join() }
        results.conflictingWrites = 2 * targets.count
        timeline.mark("conflicting writes", from: timeline.elapsed(), to: nil)
    }

    /// After the load: every replica holds the same global tables (digests), timed.
    private func converge() throws {
        guard replicationAttached else {
            results.notes.append("replication is not available in this build: each region holds only its own writes, so the replicas are not compared")
            print("   replication is not available in this build: nothing to converge")
            return
        }
        let start = ContinuousClock.now
        let deadline = start + .seconds(120)
        while ContinuousClock.now < deadline {
            if try digestsAgree() {
                results.convergenceSeconds = seconds(ContinuousClock.now - start)
                print("   replicas agree after \(format(results.convergenceSeconds!)) s")
                return
            }
            sampleReplication()
            usleep(100_000)
        }
        print("   replicas still differ after 120 s")
    }

    private func digestsAgree() throws -> Bool {
        for table in Region.globalTables {
            let digests = try regions.map { try Verification.digest($0.tables, table: table) }
            if Set(digests.map(\.value)).count > 1 { return false }
        }
        return true
    }

    /// Deletes the messages of a few conversations by mistake, then restores Messages to the
    /// instant before into a new table and compares.
    private func oops() throws {
        let region = regions[0]
        let before = try Verification.digest(region.tables, table: "Messages")
        let instant = SystemClock().microsecondsSinceEpoch()
        usleep(2_000)
        var deleted = 0
        for conversation in (0..<20).map({ "c\($0)" }) {
            let page = try region.tables.query(QueryRequest(
                tableName: "Messages", keyConditionExpression: "conversationId = :c", expressionAttributeValues: [":c": .string(conversation)]))
            for item in page.items {
                _ = try region.tables.deleteItem(DeleteItemRequest(tableName: "Messages", key: [
                    "conversationId": item["conversationId"]!, "messageId": item["messageId"]!,
                ]), durability: .synced)
                deleted += 1
            }
        }
        timeline.mark("oops (messages deleted)", from: timeline.elapsed(), to: nil)
        results.itemsDeleted = deleted
        print("   deleted \(deleted) messages of 20 conversations in \(region.name) by mistake")
        let target = "MessagesRestored"
        if (try? region.tables.describeTable(DescribeTableRequest(tableName: target))) != nil {
            _ = try region.tables.deleteTable(DeleteTableRequest(tableName: target), durability: .synced)
        }
        let start = ContinuousClock.now
        _ = try region.recovery.restoreTableToPointInTime(RestoreTableToPointInTimeRequest(
            sourceTableName: "Messages", targetTableName: target, restoreDateTimeMicroseconds: instant))
        results.restoreSeconds = seconds(ContinuousClock.now - start)
        let restored = try Verification.digest(region.tables, table: target)
        results.itemsRestored = restored.items
        results.restoredMatches = restored.value == before.value && restored.items == before.items
        print("   restored Messages as of \(UTCTime.format(microseconds: instant)) into \(target) in \(format(results.restoreSeconds)) s: "
            + "\(restored.items) items (\(before.items) before the mistake): \(results.restoredMatches ? "identical" : "DIFFERENT")")
    }

    private func verify() throws {
        for table in Region.globalTables {
            var perRegion: [String: Verification.TableDigest] = [:]
            for region in regions { perRegion[region.name] = try Verification.digest(region.tables, table: table) }
            results.digests[table] = perRegion
            results.digestsMatch[table] = Set(perRegion.values.map(\.value)).count == 1
            print("   \(table): " + regions.map { "\($0.name) \(perRegion[$0.name]!)" }.joined(separator: "; "))
        }
        guard let test = stressTest else { return }
        let deletedConversations = Set((0..<20).map { "c\($0)" })
        let verifyIn = replicationAttached ? regions : []
        for region in verifyIn {
            let writes = test.acknowledged.all
            let users = try Verification.checkAcknowledged(writes[OITHSchemas.usersTableName] ?? [:], in: region.tables, table: "Users",
                                                           key: { ["email": .string($0)] })
            let likes = try Verification.checkAcknowledged(writes["Matches"] ?? [:], in: region.tables, table: "Matches", key: {
                let parts = $0.split(separator: "|", maxSplits: 1).map(String.init)
                return ["userEmail": .string(parts[0]), "candidateEmail": .string(parts[1])]
            })
            let messages = try Verification.checkAcknowledged(writes["Messages"] ?? [:], in: region.tables, table: "Messages", key: {
                let parts = $0.split(separator: "|", maxSplits: 1).map(String.init)
                return ["conversationId": .string(parts[0]), "messageId": .string(parts[1])]
            }, excluded: { deletedConversations.contains(String($0.split(separator: "|").first ?? "")) })
            if region === regions[0] {
                results.acknowledgedPresent = users.present + likes.present + messages.present
                results.acknowledgedOverwritten = users.overwritten + likes.overwritten + messages.overwritten
            }
            results.lost += (users.lost + likes.lost + messages.lost).map { "\(region.name): \($0)" }
        }
        if !replicationAttached {
            results.notes.append("acknowledged writes are checked only with replication (each region would lack the others' writes)")
        }
        print("   acknowledged writes: \(results.acknowledgedPresent) present, \(results.acknowledgedOverwritten) overwritten by a later write, \(results.lost.count) lost")
        for line in results.lost.prefix(5) { print("     LOST \(line)") }
    }

    private func verdict() -> Bool {
        let replicasAgree = !replicationAttached || results.digestsMatch.values.allSatisfy { $0 }
        return replicasAgree && results.lost.isEmpty && results.restoredMatches
    }

    private func progress(_ what: String, _ done: Int, _ total: Int) {
        progressLine("   \(what): \(done) / \(total)")
        if done == total { print("") }
    }

    func progressLine(_ text: String) {
        var bytes = Array(("\r" + text + "   ").utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(1, $0.baseAddress, $0.count) }
    }
}
