import Testing
import TernEngine
import TernTables
@testable import TernReplication

/// The HMAC challenge both ways, and every refusal: wrong secret on either side, a region that is
/// not a peer or not the one dialed, no common version, a replayed hello.
@Suite struct HandshakeTests {
    static let east = try! RegionID("east")
    static let west = try! RegionID("west")
    static let secret = try! ClusterSecret(Array("sixteen-byte-secret!".utf8))
    static let other = try! ClusterSecret(Array("another-secret-of-the-cluster".utf8))

    static func nonce(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }

    static func listener(_ secret: ClusterSecret = secret, peers: Set<RegionID> = [east]) -> ListenerHandshake {
        ListenerHandshake(secret: secret, local: west, incarnation: 9, peers: peers, nonce: nonce(2))
    }

    static func dialer(_ secret: ClusterSecret = secret, expected: RegionID = west, nonce byte: UInt8 = 1) -> DialerHandshake {
        DialerHandshake(secret: secret, local: east, incarnation: 7, expected: expected, nonce: nonce(byte))
    }

    static func hello(_ dialer: DialerHandshake) -> Hello {
        guard case .hello(let hello) = dialer.hello else { preconditionFailure() }
        return hello
    }

    static func challenge(_ message: PeerMessage) -> Challenge {
        guard case .challenge(let challenge) = message else { preconditionFailure() }
        return challenge
    }

    @Test func bothSidesProveTheSecret() throws {
        let dialer = Self.dialer()
        var listener = Self.listener()
        let challenge = Self.challenge(try listener.challenge(Self.hello(dialer), replays: NonceCache()))
        guard case .proof(let proof) = try dialer.answer(challenge) else { Issue.record("no proof"); return }
        let hello = try listener.verify(proof)
        #expect(hello.region == Self.east && hello.incarnation == 7)
        // Every message survives its frame.
        for message in [dialer.hello, PeerMessage.challenge(challenge), .proof(proof)] {
            var bytes = message.frame.encoded
            #expect(try Frame.split(&bytes).map(PeerMessage.init) == [message])
        }
    }

    @Test func aDialerWithoutTheSecretIsRefused() throws {
        let dialer = Self.dialer(Self.other)
        var listener = Self.listener()
        let challenge = Self.challenge(try listener.challenge(Self.hello(dialer), replays: NonceCache()))
        // The dialer sees the listener's proof is not made with its secret...
        #expect(throws: ProtocolError(.authentication, "west's proof is wrong: it does not know the cluster secret")) {
            try dialer.answer(challenge)
        }
        // ...and a proof it makes up is refused by the listener.
        #expect { try listener.verify([UInt8](repeating: 0, count: 32)) } throws: { ($0 as? ProtocolError)?.code == .authentication }
    }

    @Test func aListenerWithoutTheSecretIsRefused() throws {
        let dialer = Self.dialer()
        var listener = Self.listener(Self.other)
        let challenge = Self.challenge(try listener.challenge(Self.hello(dialer), replays: NonceCache()))
        #expect { try dialer.answer(challenge) } throws: { ($0 as? ProtocolError)?.code == .authentication }
    }

    @Test func aReplayedHelloIsRefused() throws {
        let replays = NonceCache()
        var first = Self.listener()
        _ = try first.challenge(Self.hello(Self.dialer()), replays: replays)
        var second = Self.listener()
        #expect { try second.challenge(Self.hello(Self.dialer()), replays: replays) } throws: { ($0 as? ProtocolError)?.code == .replayed }
        // A replayed proof does not fit a fresh challenge either.
        var third = ListenerHandshake(secret: Self.secret, local: Self.west, incarnation: 9, peers: [Self.east], nonce: Self.nonce(3))
        let dialer = Self.dialer(nonce: 4)
        var recordedListener = Self.listener()
        let recorded = Self.challenge(try recordedListener.challenge(Self.hello(dialer), replays: NonceCache()))
        guard case .proof(let recordedProof) = try dialer.answer(recorded) else { return }
        _ = try third.challenge(Self.hello(dialer), replays: NonceCache())
        #expect { try third.verify(recordedProof) } throws: { ($0 as? ProtocolError)?.code == .authentication }
    }

    @Test func strangersAndWrongVersionsAreRefused() throws {
        var listener = Self.listener(peers: [try RegionID("north")])
        #expect { try listener.challenge(Self.hello(Self.dialer()), replays: NonceCache()) } throws: { ($0 as? ProtocolError)?.code == .unknownRegion }
        var fine = Self.listener()
        var hello = Self.hello(Self.dialer())
        hello.versions = [2, 3]
        #expect { try fine.challenge(hello, replays: NonceCache()) } throws: { ($0 as? ProtocolError)?.code == .version }
        // The dialer reached another region than the one it dialed.
        let dialer = Self.dialer(expected: try RegionID("south"))
        var someListener = Self.listener()
        let challenge = Self.challenge(try someListener.challenge(Self.hello(dialer), replays: NonceCache()))
        #expect { try dialer.answer(challenge) } throws: { ($0 as? ProtocolError)?.code == .unknownRegion }
    }

    @Test func aShortSecretIsRefused() {
        #expect(throws: ProtocolError.self) { try ClusterSecret(Array("short".utf8)) }
    }
}

@Suite struct FrameCodecTests {
    @Test func aFlippedByteIsMalformedAndAnotherVersionIsRefused() throws {
        let frame = PeerMessage.nack(NackMessage(appliedThrough: SequenceNumber(3))).frame.encoded
        for index in 4..<frame.count {
            var damaged = frame
            damaged[index] ^= 0x40
            #expect(throws: ProtocolError.self) { _ = try Frame.split(&damaged).map(PeerMessage.init) }
        }
        var versionTwo = frame
        versionTwo[4] = 2
        let crc = CRC32C.mask(CRC32C.checksum(Array(versionTwo[4..<(versionTwo.count - 4)])))
        versionTwo.replaceSubrange((versionTwo.count - 4)..., with: [UInt8(crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8), UInt8(truncatingIfNeeded: crc)])
        #expect { _ = try Frame.split(&versionTwo) } throws: { ($0 as? ProtocolError)?.code == .version }
        var huge: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 1, 5]
        #expect { _ = try Frame.split(&huge) } throws: { ($0 as? ProtocolError)?.code == .malformed }
        var partial = Array(frame.prefix(7))
        #expect(try Frame.split(&partial).isEmpty && partial.count == 7)
    }

    @Test func changesRoundTripThroughTheCodec() throws {
        let east = try RegionID("east")
        let id = GlobalTableID(region: east, time: HybridTimestamp(rawValue: 42))
        let record = GlobalTableRecord(tableName: "Pets", id: id, stamp: WriteStamp(time: HybridTimestamp(rawValue: 43), region: east), replicas: [east: .active])
        let message = ChangesMessage(
            afterGap: true, first: SequenceNumber(5), through: SequenceNumber(9), commitStamp: HybridTimestamp(rawValue: 100),
            feedHorizon: HybridTimestamp(rawValue: 90), appliedHorizon: HybridTimestamp(rawValue: 80),
            changes: [
                .table(TableMetadataChange(record: record, definition: [1, 2, 3])),
                .item(ItemChange(tableName: "Pets", tableID: id, key: [2, 97, 0], item: [1, 2], stamp: WriteStamp(time: HybridTimestamp(rawValue: 99), region: east), previous: nil)),
                .item(ItemChange(tableName: "Pets", tableID: GlobalTableID(region: east, time: HybridTimestamp(rawValue: 7)), key: [2, 98, 0], item: nil,
                                 stamp: WriteStamp(time: HybridTimestamp(rawValue: 98), region: east), previous: WriteStamp(time: HybridTimestamp(rawValue: 1), region: east))),
            ])
        var bytes = PeerMessage.changes(message).frame.encoded
        #expect(try Frame.split(&bytes).map(PeerMessage.init) == [.changes(message)])
    }
}
