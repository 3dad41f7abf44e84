import TernEngine
import TernTables

/// The dialer's first frame: who it is and a fresh nonce for the challenge.
public struct Hello: Sendable, Hashable {
    /// Protocol versions the dialer speaks.
    public var versions: [UInt8]
    public var region: RegionID
    /// The dialer's store incarnation (`TableStore.incarnation`).
    public var incarnation: UInt64
    /// 32 random bytes, never reused.
    public var nonce: [UInt8]
}

/// The listener's answer: the version chosen, who it is, its own nonce, and its proof that it
/// knows the cluster secret.
public struct Challenge: Sendable, Hashable {
    public var version: UInt8
    public var region: RegionID
    public var incarnation: UInt64
    public var nonce: [UInt8]
    public var proof: [UInt8]
}

/// The listener's last handshake frame: where the dialer's stream resumes.
public struct Welcome: Sendable, Hashable {
    /// The last sequence of the dialer's feed the listener has applied (for the dialer's current
    /// incarnation; 0 when none).
    public var appliedThrough: SequenceNumber
    /// The listener's applied horizon (see `ChangesMessage.appliedHorizon`).
    public var appliedHorizon: HybridTimestamp
}

/// A run of the sender's change feed: the changes of batches `first...through` that the receiver
/// replicates (possibly none), and what the sender vouches for.
public struct ChangesMessage: Sendable, Hashable {
    /// Set when the sender skipped batches the receiver has not applied (they left the sender's
    /// change feed: retention): accept the gap; the sender repairs it by anti-entropy.
    public var afterGap = false
    public var first: SequenceNumber
    public var through: SequenceNumber
    /// The commit stamp of batch `through`.
    public var commitStamp: HybridTimestamp
    /// Every batch the sender committed with a stamp at or before this is in this frame or an
    /// earlier one (0: no claim).
    public var feedHorizon: HybridTimestamp
    /// The sender's applied horizon: it has applied every batch any region committed at or
    /// before this stamp (the minimum over the feed horizons it received; 0: no claim).
    public var appliedHorizon: HybridTimestamp
    public var changes: [ReplicatedChange]
}

/// The receiver has durably applied the sender's feed through `through`.
public struct AckMessage: Sendable, Hashable {
    public var through: SequenceNumber
    public var appliedHorizon: HybridTimestamp
}

/// The receiver cannot apply a frame that does not follow what it applied: resend from here.
public struct NackMessage: Sendable, Hashable {
    public var appliedThrough: SequenceNumber
}

/// The sender's feed is idle: nothing after `through`, and the horizons.
public struct HeartbeatMessage: Sendable, Hashable {
    /// As `ChangesMessage.afterGap`.
    public var afterGap = false
    public var through: SequenceNumber
    public var feedHorizon: HybridTimestamp
    public var appliedHorizon: HybridTimestamp
}

/// Every message of the peer protocol.
public enum PeerMessage: Sendable, Hashable {
    case hello(Hello)
    case challenge(Challenge)
    case proof([UInt8])
    case welcome(Welcome)
    case changes(ChangesMessage)
    case ack(AckMessage)
    case nack(NackMessage)
    case heartbeat(HeartbeatMessage)
    case refusal(ProtocolError)
    case antiEntropy(AntiEntropyMessage)

    /// Bytes of a nonce and of an HMAC-SHA256 proof.
    public static let nonceBytes = 32
    public static let proofBytes = 32
}

extension PeerMessage {
    /// The message as a frame.
    public var frame: Frame {
        var payload: [UInt8] = []
        let type: FrameType
        switch self {
        case .hello(let hello):
            type = .hello
            payload.appendLengthPrefixed(hello.versions)
            payload.appendString(hello.region.name)
            payload.appendUInt64(hello.incarnation)
            payload.appendLengthPrefixed(hello.nonce)
        case .challenge(let challenge):
            type = .challenge
            payload.append(challenge.version)
            payload.appendString(challenge.region.name)
            payload.appendUInt64(challenge.incarnation)
            payload.appendLengthPrefixed(challenge.nonce)
            payload.appendLengthPrefixed(challenge.proof)
        case .proof(let proof):
            type = .proof
            payload.appendLengthPrefixed(proof)
        case .welcome(let welcome):
            type = .welcome
            payload.appendUInt64(welcome.appliedThrough.rawValue)
            payload.appendUInt64(welcome.appliedHorizon.rawValue)
        case .changes(let changes):
            type = .changes
            ChangeCodec.encode(changes, into: &payload)
        case .ack(let ack):
            type = .ack
            payload.appendUInt64(ack.through.rawValue)
            payload.appendUInt64(ack.appliedHorizon.rawValue)
        case .nack(let nack):
            type = .nack
            payload.appendUInt64(nack.appliedThrough.rawValue)
        case .heartbeat(let heartbeat):
            type = .heartbeat
            payload.append(heartbeat.afterGap ? 1 : 0)
            payload.appendUInt64(heartbeat.through.rawValue)
            payload.appendUInt64(heartbeat.feedHorizon.rawValue)
            payload.appendUInt64(heartbeat.appliedHorizon.rawValue)
        case .refusal(let error):
            type = .refusal
            payload.append(error.code.rawValue)
            payload.appendString(error.message)
        case .antiEntropy(let message):
            return message.frame
        }
        return Frame(type: type, payload: payload)
    }

    /// Decodes a frame's message, validating every byte.
    ///
    /// - Throws: `ProtocolError` `.malformed`.
    public init(_ frame: Frame) throws(ProtocolError) {
        var reader = WireReader(frame.payload)
        switch frame.type {
        case .hello:
            let versions = try reader.lengthPrefixed()
            let region = try reader.region()
            let incarnation = try reader.uint64()
            let nonce = try reader.lengthPrefixed()
            guard nonce.count == PeerMessage.nonceBytes, !versions.isEmpty else { throw .malformed("a hello without versions or with a nonce of \(nonce.count) bytes") }
            self = .hello(Hello(versions: versions, region: region, incarnation: incarnation, nonce: nonce))
        case .challenge:
            let version = try reader.byte()
            let region = try reader.region()
            let incarnation = try reader.uint64()
            let nonce = try reader.lengthPrefixed()
            let proof = try reader.lengthPrefixed()
            guard nonce.count == PeerMessage.nonceBytes, proof.count == PeerMessage.proofBytes else { throw .malformed("a challenge with a nonce or proof of the wrong size") }
            self = .challenge(Challenge(version: version, region: region, incarnation: incarnation, nonce: nonce, proof: proof))
        case .proof:
            let proof = try reader.lengthPrefixed()
            guard proof.count == PeerMessage.proofBytes else { throw .malformed("a proof of \(proof.count) bytes") }
            self = .proof(proof)
        case .welcome:
            self = .welcome(Welcome(appliedThrough: SequenceNumber(try reader.uint64()), appliedHorizon: HybridTimestamp(rawValue: try reader.uint64())))
        case .changes:
            self = .changes(try ChangeCodec.decode(&reader))
        case .ack:
            self = .ack(AckMessage(through: SequenceNumber(try reader.uint64()), appliedHorizon: HybridTimestamp(rawValue: try reader.uint64())))
        case .nack:
            self = .nack(NackMessage(appliedThrough: SequenceNumber(try reader.uint64())))
        case .heartbeat:
            let afterGap = try ChangeCodec.flags(&reader)
            self = .heartbeat(HeartbeatMessage(
                afterGap: afterGap, through: SequenceNumber(try reader.uint64()), feedHorizon: HybridTimestamp(rawValue: try reader.uint64()),
                appliedHorizon: HybridTimestamp(rawValue: try reader.uint64())))
        case .refusal:
            let code = try reader.byte()
            guard let known = ProtocolError.Code(rawValue: code) else { throw .malformed("unknown refusal code \(code)") }
            self = .refusal(ProtocolError(known, try reader.string()))
        case .aeLeaves, .aeVersions, .aeRepair, .aeDone:
            self = .antiEntropy(try AntiEntropyMessage(type: frame.type, reader: &reader))
        }
        try reader.expectEnd()
    }
}
