import Crypto
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
        guard let amzDate = header("x-amz-date", in: request), let signedAt = Self.epochSeconds(amzDate: amzDate) else {
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
        let bodyHash = Self.hex(SHA256.hash(data: request.body))
        if let claimed = header("x-amz-content-sha256", in: request), claimed != "UNSIGNED-PAYLOAD", claimed != bodyHash {
            throw Self.error(
                "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.")
        }
        let canonical = canonicalRequest(request, signedHeaders: parsed.signedHeaders, bodyHash: bodyHash)
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(parsed.scope)\n\(Self.hex(SHA256.hash(data: Array(canonical.utf8))))"
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in scope {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let expected = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        guard Self.constantTimeEqual(expected, parsed.signature) else {
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
        let prefix = "AWS4-HMAC-SHA256 "
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

    /// The canonical request of SigV4: method, path, sorted query, the signed headers' canonical
    /// lines (lower-case names, values trimmed with inner runs of spaces collapsed, repeated
    /// headers joined by commas), the signed header list and the body's hash.
    func canonicalRequest(_ request: Request, signedHeaders: [String], bodyHash: String) -> String {
        let path: Substring
        let query: Substring
        if let mark = request.uri.firstIndex(of: "?") {
            path = request.uri[..<mark]
            query = request.uri[request.uri.index(after: mark)...]
        } else {
            path = Substring(request.uri)
            query = ""
        }
        let queryPairs = query.split(separator: "&").map { pair -> (Substring, Substring) in
            guard let equals = pair.firstIndex(of: "=") else { return (pair, "") }
            return (pair[..<equals], pair[pair.index(after: equals)...])
        }.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        let canonicalQuery = queryPairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        var lines: [String] = []
        for name in signedHeaders {
            let values = request.headers.filter { $0.0.lowercased() == name }.map { Self.collapse($0.1) }
            lines.append("\(name):\(values.joined(separator: ","))")
        }
        return [
            request.method, path.isEmpty ? "/" : String(path), canonicalQuery, lines.joined(separator: "\n") + "\n",
            signedHeaders.joined(separator: ";"), bodyHash,
        ].joined(separator: "\n")
    }

    private func header(_ name: String, in request: Request) -> String? {
        request.headers.first { $0.0.lowercased() == name }?.1
    }

    private static func collapse(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    private static func error(_ name: String, _ message: String) -> WireError {
        WireError(name: name, message: message, namespace: WireError.coralNamespace)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// Seconds since the epoch of an ISO 8601 basic timestamp (`20261205T013000Z`).
    static func epochSeconds(amzDate: String) -> Int64? {
        let bytes = Array(amzDate.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8), let hour = number(9..<11),
            let minute = number(11..<13), let second = number(13..<15), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
