import Glibc
import Testing
import TernTesting

/// The deterministic replication simulation over many seeds (`TERN_SIM_SEEDS`, default 1,000;
/// `TERN_SEED` replays one).
@Suite struct ReplicationSimulationTests {
    static var seeds: [UInt64] {
        if let text = getenv("TERN_SEED"), let seed = UInt64(String(cString: text)) { return [seed] }
        let count = getenv("TERN_SIM_SEEDS").flatMap { Int(String(cString: $0)) } ?? 1_000
        let base = getenv("TERN_SIM_BASE").flatMap { UInt64(String(cString: $0)) } ?? 1
        return (0..<UInt64(count)).map { base + $0 }
    }

    /// The faults the simulation claims to inject do happen, and what it checks is exercised:
    /// over a few seeds, writes are lost in crashes, frames dropped, stamps refused for skew,
    /// concurrent writes overwritten, tombstones purged.
    @Test func theFaultsAreExercised() throws {
        var total = ReplicationSimulation.Report(seed: 0)
        for seed in UInt64(10_001)...10_030 {
            var simulation = ReplicationSimulation(seed: seed)
            let report = try simulation.run()
            total.lostWrites += report.lostWrites
            total.framesDropped += report.framesDropped
            total.skewRefusals += report.skewRefusals
            total.overwritten += report.overwritten
            total.tombstonesPurged += report.tombstonesPurged
            total.crashes += report.crashes
            total.writes += report.writes
            total.repaired += report.repaired
        }
        print(
            "[replication simulation] seeds 10001-10030 together: \(total.writes) writes (\(total.lostWrites) lost in "
                + "\(total.crashes) crashes), \(total.overwritten) overwritten, \(total.skewRefusals) skew refusals, "
                + "\(total.tombstonesPurged) tombstones purged, \(total.repaired) repaired by anti-entropy, "
                + "\(total.framesDropped) frames dropped")
        #expect(total.lostWrites > 0 && total.framesDropped > 0 && total.skewRefusals > 0)
        #expect(total.overwritten > 0 && total.tombstonesPurged > 0 && total.crashes > 0)
    }

    @Test(arguments: seeds)
    func regionsConvergeToTheLastWriterPerKey(seed: UInt64) throws {
        var simulation = ReplicationSimulation(seed: seed)
        do {
            _ = try simulation.run()
        } catch {
            print("[replication simulation] \(error)")
            throw error
        }
    }
}
