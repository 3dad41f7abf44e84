import Glibc
import OITHExample
import Synchronization
import TernEngine
import TernTables

/// The seed's stress test against every region at once: an open-loop load at a target rate
/// (each worker keeps its own schedule, so a slow request delays the ones behind it and that
/// wait counts in their response time), mixing matching queries, profile updates, likes,
/// messages and analytics counters. Every acknowledged write is logged for the verification.
final class StressTest: Sendable {
    enum Operation: String, CaseIterable, Sendable {
        case match, profileUpdate = "profile update", like, message, analytics
    }

    /// The mix, in percent (matching dominates a dating service's traffic).
    static let mix: [(Operation, Int)] = [(.match, 60), (.profileUpdate, 10), (.like, 10), (.message, 15), (.analytics, 5)]

    let regions: [Region]
    let users: [String: [DemoPopulation.User]]
    let timeline: Timeline
    let acknowledged = AcknowledgedWrites()
    /// Requests issued, failed (by any error), profiles evaluated by matching queries.
    let requests = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let scanned = Mutex<[UInt64]>([])
    let databaseLatencies = Mutex<[UInt64]>([])
    let responseLatencies = Mutex<[UInt64]>([])
    /// While set, writes go to these regions only (the others are cut off).
    let writeRegions = Mutex<Set<String>?>(nil)
    private let stopFlag = Atomic<Bool>(false)
    private let serial = Atomic<Int>(0)

    init(regions: [Region], users: [String: [DemoPopulation.User]], timeline: Timeline) {
        self.regions = regions
        self.users = users
        self.timeline = timeline
    }

    /// Runs `workers` threads sharing `rate` requests a second until `stop()`.
    func start(rate: Double, workers: Int, seed: UInt64) -> [BackgroundThread] {
        (0..<workers).map { worker in
            BackgroundThread { [self] in
                var random = SplitMix(seed: seed &+ UInt64(worker) &* 0x9E37_79B9)
                let interval = Double(workers) / rate
                var next = timeline.elapsed() + interval * random.unit()
                while !stopFlag.load(ordering: .relaxed) {
                    let now = timeline.elapsed()
                    if next > now { usleep(UInt32(min(0.05, next - now) * 1_000_000)); continue }
                    let scheduled = next
                    next += interval
                    execute(&random, scheduledAt: scheduled)
                }
            }
        }
    }

    func stop(_ threads: [BackgroundThread]) {
        stopFlag.store(true, ordering: .relaxed)
        for thread in threads { thread.join() }
        stopFlag.store(false, ordering: .relaxed)
    }

    private func pickOperation(_ random: inout SplitMix) -> Operation {
        var roll = random.below(100)
        for (operation, share) in Self.mix {
            if roll < share { return operation }
            roll -= share
        }
        return .match
    }

    private func execute(_ random: inout SplitMix, scheduledAt scheduled: Double) {
        let operation = pickOperation(&random)
        var region = regions[random.below(regions.count)]
        if operation != .match, let allowed = writeRegions.withLock({ $0 }), !allowed.contains(region.name) {
            region = regions.first { allowed.contains($0.name) } ?? region
        }
        guard let homed = users[region.name], !homed.isEmpty else { return }
        let user = homed[random.below(homed.count)]
        let began = timeline.elapsed()
        var failed = false
        do {
            try perform(operation, in: region, user: user, random: &random)
        } catch {
            failed = true
            failures.wrappingAdd(1, ordering: .relaxed)
        }
        let ended = timeline.elapsed()
        requests.wrappingAdd(1, ordering: .relaxed)
        let database = UInt64(max(0, ended - began) * 1_000_000)
        let response = UInt64(max(0, ended - scheduled) * 1_000_000)
        databaseLatencies.withLock { $0.append(database) }
        responseLatencies.withLock { $0.append(response) }
        timeline.record(region.name, latencyMicroseconds: response, failed: failed)
    }

    private func perform(_ operation: Operation, in region: Region, user: DemoPopulation.User, random: inout SplitMix) throws {
        let tables = region.tables
        let token = "\(region.name)-\(serial.add(1, ordering: .relaxed).newValue)"
        switch operation {
        case .match:
            let page = try tables.nearby(NearbyRequest(
                tableName: OITHSchemas.usersTableName, latitude: user.latitude, longitude: user.longitude, radiusKilometers: 25,
                sortKeyCondition: .between(.number(Number(max(18, user.age - 5))), .number(Number(user.age + 5))),
                projectionExpression: "email, #name, age, gender, city", expressionAttributeNames: ["#name": "name"], limit: 20))
            scanned.withLock { $0.append(UInt64(page.scannedCount)) }
        case .profileUpdate:
            _ = try tables.updateItem(UpdateItemRequest(
                tableName: OITHSchemas.usersTableName, key: ["email": .string(user.email)],
                updateExpression: "SET bio = :bio, lastActive = :now",
                conditionExpression: "attribute_exists(email)",
                expressionAttributeValues: [":bio": .string("bio \(token)"), ":now": .number(Number(Int(timeline.elapsed() * 1000)))]),
                durability: .synced)
            acknowledged.record(table: OITHSchemas.usersTableName, key: user.email, token: token)
        case .like:
            let candidates = users[region.name]!
            let candidate = candidates[random.below(candidates.count)].email
            let week = Int(TableClock.system.nowEpochSeconds()) + 7 * 86_400
            _ = try tables.putItem(PutItemRequest(tableName: "Matches", item: [
                "userEmail": .string(user.email), "candidateEmail": .string(candidate), "score": .number(Number(random.below(1000))),
                "liked": .bool(true), "token": .string(token), "expiresAt": .number(Number(week)),
            ]), durability: .synced)
            acknowledged.record(table: "Matches", key: user.email + "|" + candidate, token: token)
        case .message:
            let conversation = "c\(random.below(2_000))"
            let messageID = "\(Int(timeline.elapsed() * 1_000_000))-\(token)"
            _ = try tables.putItem(PutItemRequest(tableName: "Messages", item: [
                "conversationId": .string(conversation), "messageId": .string(messageID), "sender": .string(user.email),
                "body": .string("hello from \(region.name)"), "token": .string(token),
            ]), durability: .synced)
            acknowledged.record(table: "Messages", key: conversation + "|" + messageID, token: token)
        case .analytics:
            let minute = Int(TableClock.system.nowEpochSeconds()) / 60 * 60
            _ = try tables.updateItem(UpdateItemRequest(
                tableName: "Analytics", key: ["metricDay": .string("requests#\(region.name)"), "timestamp": .number(Number(minute))],
                updateExpression: "ADD #count :one", expressionAttributeNames: ["#count": "count"],
                expressionAttributeValues: [":one": .number(Number(1))]), durability: .buffered)
        }
    }
}

/// Every acknowledged write of a global table: per item, the tokens written (each write stamps
/// a unique token into the item), so the verification can tell present from overwritten.
final class AcknowledgedWrites: Sendable {
    private let writes = Mutex<[String: [String: [String]]]>([:])

    func record(table: String, key: String, token: String) {
        writes.withLock { $0[table, default: [:]][key, default: []].append(token) }
    }

    var all: [String: [String: [String]]] { writes.withLock { $0 } }
    var count: Int { writes.withLock { $0.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } } } }
}
