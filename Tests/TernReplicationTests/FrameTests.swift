import Testing
import TernEngine
import TernTables
@testable import TernReplication

@Suite struct FrameTests {
    @Test func aFrameRoundTrips() throws {
        var bytes = PeerMessage.ack(AckMessage(through: SequenceNumber(7), appliedHorizon: HybridTimestamp(rawValue: 9))).frame.encoded
        let frames = try Frame.split(&bytes)
        #expect(bytes.isEmpty)
        #expect(try frames.map(PeerMessage.init) == [.ack(AckMessage(through: SequenceNumber(7), appliedHorizon: HybridTimestamp(rawValue: 9)))])
    }
}
