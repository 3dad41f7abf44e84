import TernSigV4
import TernWire

/// Verifies AWS Signature Version 4 on a request, as DynamoDB does, against the node's
/// `Credentials`.
///
/// The checks, in order, with DynamoDB's answers: an `Authorization` header is present
/// (`MissingAuthenticationTokenException`), names the `AWS4-HMAC-SHA256` algorithm with a
/// credential scope, signed headers and a signature (`IncompleteSignatureException`); the access
/// key is known (`UnrecognizedClientException`); `X-Amz-Date` is within 15 minutes of the node's
/// clock (`InvalidSignatureException`, "Signature expired"); the signature computed over the
/// canonical request (method, path, query, the signed headers, the SHA-256 of the body as
/// received) matches (`InvalidSignatureException`). The region in the scope is not checked
/// against the node's: a node answers to whatever region its clients are configured with.
public struct SignatureV4Verifier: Sendable {
    public let credentials: Credentials
    /// The largest difference between a request's `X-Amz-Date` and the node's clock.
    public static let maxClockSkewSeconds: Int64 = 15 * 60

    /// A verifier accepting the keys of `credentials`.
    public init(credentials: Credentials) { self.credentials = credentials }

    /// The parts of a request the signature covers.
    public struct Request {
        public var method: String
        /// The request target as sent (`/` or `/path?query`).
        public var uri: String
        /// Header names and values as received (names in any case; repeated names allowed).
        public var headers: [(String, String)]
        public var body: [UInt8]

        /// The request's parts as received.
        public init(method: String, uri: String, headers: [(String, String)], body: [UInt8]) {
            self.method = method
            self.uri = uri
            self.headers = headers
            self.body = body
        }
    }

    /// Checks `request`; returns the access key id that signed it.
    ///
    /// - Parameter nowEpochSeconds: the node's clock.
    /// - Throws: `WireError` named as DynamoDB names each failure (see the type's summary).
    public func verify(_ request: Request, nowEpochSeconds: Int64) throws(WireError) -> String {
        guard let authorization = header("authorization", in: request) else {
            throw Self.error("MissingAuthenticationTokenException", "Request is missing Authentication Token")
        }
        let parsed = try Self.parseAuthorization(authorization)
        guard let secret = credentials.secrets[parsed.accessKey] else {
            throw Self.error("UnrecognizedClientException", "The security token included in the request is invalid.")
        }
        guard let amzDate = header("x-amz-date", in: request), let signedAt = SigV4.epochSeconds(amzDate: amzDate) else {
            throw Self.error(
                "IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        if abs(nowEpochSeconds - signedAt) > Self.maxClockSkewSeconds {
            throw Self.error(
                "InvalidSignatureException",
                "Signature expired: \(amzDate) is now earlier or later than the server time by more than 15 min.")
        }
        let scope = parsed.scope.split(separator: "/", omittingEmptySubsequences: false)
        guard scope.count == 4, scope[0] == amzDate.prefix(8), scope[3] == "aws4_request" else {
            throw Self.error("InvalidSignatureException", "Credential should be scoped to a valid date, region and service.")
        }
        let bodyHash = SigV4.sha256Hex(request.body)
        if let claimed = header("x-amz-content-sha256", in: request), claimed != "UNSIGNED-PAYLOAD", claimed != bodyHash {
            throw Self.error(
                "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.")
        }
        let canonical = SigV4.canonicalRequest(
            method: request.method, uri: request.uri, headers: request.headers, signedHeaders: parsed.signedHeaders,
            bodyHash: bodyHash)
        let expected = SigV4.signature(
            secret: secret, scope: scope,
            stringToSign: SigV4.stringToSign(amzDate: amzDate, scope: parsed.scope, canonicalRequest: canonical))
        guard SigV4.constantTimeEqual(expected, parsed.signature) else {
            throw Self.error(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
        }
        return parsed.accessKey
    }

    private struct Authorization {
        var accessKey: String
        var scope: String
        var signedHeaders: [String]
        var signature: String
    }

    private static func parseAuthorization(_ value: String) throws(WireError) -> Authorization {
        let prefix = SigV4.algorithm + " "
        guard value.hasPrefix(prefix) else {
            throw error("IncompleteSignatureException", "Authorization header must use the AWS4-HMAC-SHA256 algorithm.")
        }
        var fields: [String: String] = [:]
        for part in value.dropFirst(prefix.count).split(separator: ",") {
            let trimmed = part.trimmingWhitespace()
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            fields[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let signed = fields["SignedHeaders"], let signature = fields["Signature"],
            let slash = credential.firstIndex(of: "/")
        else {
            throw error(
                "IncompleteSignatureException",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
        }
        return Authorization(
            accessKey: String(credential[..<slash]), scope: String(credential[credential.index(after: slash)...]),
            signedHeaders: signed.split(separator: ";").map { $0.lowercased() }, signature: signature)
    }

    private func header(_ name: String, in request: Request) -> String? {
        request.headers.first { $0.0.lowercased() == name }?.1
    }

    private static func error(_ name: String, _ message: String) -> WireError {
        WireError(name: name, message: message, namespace: WireError.coralNamespace)
    }
}
