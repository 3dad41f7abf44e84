import Crypto
import Synchronization
import TernEngine
import TernTables

/// The cluster secret both ends of a link prove they know, never sent.
public struct ClusterSecret: Sendable {
    /// The key's bytes (`SymmetricKey` is not `Sendable`; one is made per proof).
    private let bytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// A secret from its bytes (at least 16: a short secret is guessable offline from one
    /// recorded handshake).
    public init(_ bytes: [UInt8]) throws(ProtocolError) {
        guard bytes.count >= 16 else { throw ProtocolError(.authentication, "the cluster secret has \(bytes.count) bytes; at least 16 are needed") }
        self.bytes = bytes
    }

    /// HMAC-SHA256 over a proof's inputs (each length-prefixed, so no two inputs read alike).
    func proof(_ label: String, version: UInt8, dialer: RegionID, listener: RegionID, dialerNonce: [UInt8], listenerNonce: [UInt8]) -> [UInt8] {
        let message = Self.proofInput(label, version: version, dialer: dialer, listener: listener, dialerNonce: dialerNonce, listenerNonce: listenerNonce)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    func isValid(_ proof: [UInt8], _ label: String, version: UInt8, dialer: RegionID, listener: RegionID, dialerNonce: [UInt8], listenerNonce: [UInt8]) -> Bool {
        let message = Self.proofInput(label, version: version, dialer: dialer, listener: listener, dialerNonce: dialerNonce, listenerNonce: listenerNonce)
        return HMAC<SHA256>.isValidAuthenticationCode(proof, authenticating: message, using: key)
    }

    /// The bytes a proof authenticates.
    private static func proofInput(
        _ label: String, version: UInt8, dialer: RegionID, listener: RegionID, dialerNonce: [UInt8], listenerNonce: [UInt8]
    ) -> [UInt8] {
        var message: [UInt8] = []
        message.appendString(label)
        message.append(version)
        message.appendString(dialer.name)
        message.appendString(listener.name)
        message.appendLengthPrefixed(dialerNonce)
        message.appendLengthPrefixed(listenerNonce)
        return message
    }

    static let listenerLabel = "tern-replication listener"
    static let dialerLabel = "tern-replication dialer"
}

/// The dialer's side of the handshake (`docs/formats/replication.md`, "Handshake"):
/// `hello` → (`challenge`) → `proof` → (`welcome`). It checks that the listener is the region it
/// dialed and that its proof is right before proving itself.
public struct DialerHandshake: Sendable {
    let secret: ClusterSecret
    let local: RegionID
    let incarnation: UInt64
    let expected: RegionID
    let nonce: [UInt8]

    let purpose: ConnectionPurpose

    public init(
        secret: ClusterSecret, local: RegionID, incarnation: UInt64, expected: RegionID, nonce: [UInt8], purpose: ConnectionPurpose = .stream
    ) {
        precondition(nonce.count == PeerMessage.nonceBytes)
        self.purpose = purpose
        self.secret = secret
        self.local = local
        self.incarnation = incarnation
        self.expected = expected
        self.nonce = nonce
    }

    public var hello: PeerMessage {
        .hello(Hello(versions: [Frame.version], region: local, incarnation: incarnation, nonce: nonce, purpose: purpose))
    }

    /// The proof to send after the listener's challenge.
    ///
    /// - Throws: `ProtocolError` `.unknownRegion` (not the region dialed), `.version`,
    ///   `.authentication` (a wrong proof: the listener does not know the secret).
    public func answer(_ challenge: Challenge) throws(ProtocolError) -> PeerMessage {
        guard challenge.region == expected else {
            throw ProtocolError(.unknownRegion, "dialed region \(expected), but the listener is \(challenge.region)")
        }
        guard challenge.version == Frame.version else { throw ProtocolError(.version, "the listener chose protocol version \(challenge.version)") }
        guard secret.isValid(
            challenge.proof, ClusterSecret.listenerLabel, version: challenge.version, dialer: local, listener: challenge.region,
            dialerNonce: nonce, listenerNonce: challenge.nonce)
        else { throw ProtocolError(.authentication, "\(challenge.region)'s proof is wrong: it does not know the cluster secret") }
        return .proof(secret.proof(
            ClusterSecret.dialerLabel, version: challenge.version, dialer: local, listener: challenge.region, dialerNonce: nonce,
            listenerNonce: challenge.nonce))
    }
}

/// The listener's side: checks the hello (a known peer, a version in common, a nonce never
/// seen), sends its challenge, then checks the dialer's proof.
public struct ListenerHandshake: Sendable {
    let secret: ClusterSecret
    let local: RegionID
    let incarnation: UInt64
    let peers: Set<RegionID>
    let nonce: [UInt8]
    private(set) var hello: Hello?

    public init(secret: ClusterSecret, local: RegionID, incarnation: UInt64, peers: Set<RegionID>, nonce: [UInt8]) {
        precondition(nonce.count == PeerMessage.nonceBytes)
        self.secret = secret
        self.local = local
        self.incarnation = incarnation
        self.peers = peers
        self.nonce = nonce
    }

    /// The challenge for a hello.
    ///
    /// - Throws: `ProtocolError` `.unknownRegion`, `.version`, `.replayed` (the nonce was seen
    ///   before: `replays` remembers them).
    public mutating func challenge(_ hello: Hello, replays: NonceCache) throws(ProtocolError) -> PeerMessage {
        guard peers.contains(hello.region) else { throw ProtocolError(.unknownRegion, "\(hello.region) is not a peer of \(local)") }
        guard hello.versions.contains(Frame.version) else {
            throw ProtocolError(.version, "the dialer speaks protocol versions \(hello.versions); this node speaks \(Frame.version)")
        }
        guard replays.insert(hello.nonce) else {
            throw ProtocolError(.replayed, "\(hello.region)'s hello repeats a nonce seen before: a replayed handshake")
        }
        self.hello = hello
        return .challenge(Challenge(
            version: Frame.version, region: local, incarnation: incarnation, nonce: nonce,
            proof: secret.proof(ClusterSecret.listenerLabel, version: Frame.version, dialer: hello.region, listener: local,
                                dialerNonce: hello.nonce, listenerNonce: nonce)))
    }

    /// The authenticated dialer, once its proof checks out.
    ///
    /// - Throws: `ProtocolError` `.authentication` for a wrong proof, `.unexpected` before a hello.
    public func verify(_ proof: [UInt8]) throws(ProtocolError) -> Hello {
        guard let hello else { throw ProtocolError(.unexpected, "a proof before the hello") }
        guard secret.isValid(
            proof, ClusterSecret.dialerLabel, version: Frame.version, dialer: hello.region, listener: local,
            dialerNonce: hello.nonce, listenerNonce: nonce)
        else { throw ProtocolError(.authentication, "\(hello.region)'s proof is wrong: it does not know the cluster secret") }
        return hello
    }
}

/// The dialer nonces a listener has seen recently (the newest `capacity`): a hello repeating one
/// is a replay. A replayed hello could not complete the handshake anyway (the listener's nonce is
/// fresh, so a recorded proof does not fit); refusing it early names the attack in the log.
///
/// Thread safety: a `Mutex`.
public final class NonceCache: Sendable {
    private struct State {
        var seen: Set<[UInt8]> = []
        var order: [[UInt8]] = []
        var next = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    public init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// Records `nonce`; false when it was already there.
    public func insert(_ nonce: [UInt8]) -> Bool {
        state.withLock { state in
            guard state.seen.insert(nonce).inserted else { return false }
            if state.order.count < capacity {
                state.order.append(nonce)
            } else {
                state.seen.remove(state.order[state.next])
                state.order[state.next] = nonce
                state.next = (state.next + 1) % capacity
            }
            return true
        }
    }
}
