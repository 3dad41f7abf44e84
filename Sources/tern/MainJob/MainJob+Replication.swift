/// Replication between the main job's regions. Until the replication component lands, the
/// regions run unreplicated and the report says so (nothing is faked).
struct ReplicationSummary {
    var lagP50Milliseconds: Double
    var lagP99Milliseconds: Double
    var conflictsOverwritten: Int
    var reconnects: Int
    var disruptedChunks: Int
}

extension MainJob {
    var replicationAttached: Bool { false }

    func attachReplication() throws {
        if regions.count > 1 {
            print("   replication: not available in this build (regions run unreplicated)")
        }
    }

    func setPartition(_ region: String, _ cut: Bool) {}

    func sampleReplication() {}
}
