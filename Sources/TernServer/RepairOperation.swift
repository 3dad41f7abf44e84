import TernReplication
import TernWire

/// `Tern_20261201.Repair`: anti-entropy with every peer now, for one table (`TableName`) or all
/// global tables; answers what each session found and fixed.
struct RepairRequest: WireDecodable, Sendable {
    var tableName: String?

    init(wire object: WireObject) throws(WireError) {
        tableName = try object.string("TableName")
    }
}

struct RepairResponse: WireEncodable, Sendable {
    var reports: [AntiEntropyReport]

    func encode(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("Reports")
        writer.beginArray()
        for report in reports {
            writer.beginObject()
            writer.member("Peer", report.peer.name)
            writer.member("TableName", report.tableName)
            writer.member("Versions", report.versions)
            writer.member("Leaves", report.leaves)
            writer.member("LeavesDiffering", report.leavesDiffering)
            writer.member("KeysCompared", report.keysCompared)
            writer.member("Pushed", report.pushed)
            writer.member("Pulled", report.pulled)
            writer.member("Refusal", report.refusal)
            writer.member("Seconds", "\(Double(report.duration.components.seconds) + Double(report.duration.components.attoseconds) / 1e18)")
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }
}
