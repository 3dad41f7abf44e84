/// Why a peer connection is refused or dropped: the code a `Refusal` frame carries, and the
/// message logged on both sides.
public struct ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: UInt8, Sendable, Hashable {
        /// The peer could not prove it knows the cluster secret (or its proof was wrong).
        case authentication = 1
        /// No protocol version both sides speak, or a frame of an unknown version.
        case version = 2
        /// A frame or message that does not parse: bad length, checksum, type, or content.
        case malformed = 3
        /// A handshake nonce seen before: a recorded handshake played again.
        case replayed = 4
        /// The peer names a region this node does not peer with, or not the one it dialed.
        case unknownRegion = 5
        /// Stamps too far ahead of this node's clock (`maxClockSkew`).
        case clockSkew = 6
        /// This node failed (storage error); the peer should retry later.
        case unavailable = 7
        /// A message out of place in the protocol (a changes frame before the handshake ended).
        case unexpected = 8
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func malformed(_ message: String) -> ProtocolError { ProtocolError(.malformed, message) }

    public var description: String { "\(code): \(message)" }
}
