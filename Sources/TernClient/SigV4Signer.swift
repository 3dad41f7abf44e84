import TernSigV4

/// Signs HTTP requests with AWS Signature Version 4 (header-based), as the AWS SDKs do for
/// DynamoDB: HMAC-SHA256 (swift-crypto) over the canonical request, with a key derived from the
/// secret, the date, the region and the service.
///
/// ```swift
/// let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "dynamodb")
/// let added = signer.sign(method: "POST", uri: "/", headers: headers, body: body, epochSeconds: now)
/// // added: X-Amz-Date, X-Amz-Security-Token (with a session token), Authorization
/// ```
///
/// Every header passed in is signed (so pass `Host`, `Content-Type`, `X-Amz-Target`, and
/// nothing a proxy may rewrite). The canonical-request code is the one the node's verifier uses
/// (`TernSigV4`).
public struct SigV4Signer: Sendable {
    /// The key that signs.
    public var credentials: SigningCredentials
    /// The region of the credential scope (`us-east-1`).
    public var region: String
    /// The service of the credential scope (`dynamodb`).
    public var service: String

    /// A signer for `credentials`, scoped to `region` and `service`.
    public init(credentials: SigningCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers that sign a request: `X-Amz-Date`, `X-Amz-Security-Token` when the
    /// credentials carry a session token, and `Authorization`. Add them to the request as it is
    /// sent; changing any signed header or the body afterwards voids the signature.
    ///
    /// - Parameters:
    ///   - uri: the request target as it will be sent (`/`, or a percent-encoded path and query).
    ///   - headers: the headers to sign, including `Host`; names in any case.
    ///   - epochSeconds: the signing time (a server refuses one more than 15 minutes off its clock).
    public func sign(method: String, uri: String, headers: [(String, String)], body: [UInt8], epochSeconds: Int64)
        -> [(String, String)]
    {
        let amzDate = SigV4.amzDate(epochSeconds: epochSeconds)
        var added = [("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        let all = headers + added
        let signedHeaders = Array(Set(all.map { $0.0.lowercased() })).sorted()
        let scopeParts = [amzDate.prefix(8), Substring(region), Substring(service), Substring(SigV4.terminator)]
        let scope = scopeParts.joined(separator: "/")
        let canonical = SigV4.canonicalRequest(
            method: method, uri: uri, headers: all, signedHeaders: signedHeaders, bodyHash: SigV4.sha256Hex(body))
        let signature = SigV4.signature(
            secret: credentials.secretAccessKey, scope: scopeParts,
            stringToSign: SigV4.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical))
        let authorization =
            "\(SigV4.algorithm) Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
        added.append(("Authorization", authorization))
        return added
    }
}
