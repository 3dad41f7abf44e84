import Crypto

/// The parts of AWS Signature Version 4 that a signer and a verifier compute alike: the
/// canonical request, the string to sign, the signing key and the signature, and the
/// `X-Amz-Date` timestamps. The node's `SignatureV4Verifier` (TernServer) and the remote
/// client's `SigV4Signer` (TernClient) both build on it, so what one signs the other checks with
/// the same bytes.
///
/// Only header-signed requests (an `Authorization` header) are covered; presigned URLs are not.
/// All functions are pure and thread-safe.
package enum SigV4 {
    /// The algorithm name in the `Authorization` header and the string to sign.
    package static let algorithm = "AWS4-HMAC-SHA256"
    /// The last element of every credential scope.
    package static let terminator = "aws4_request"

    /// The canonical request: method, path, sorted query, the signed headers' canonical lines
    /// (lower-case names, values trimmed with inner runs of spaces collapsed, repeated headers
    /// joined by commas), the signed-header list and the body's hash, one per line.
    ///
    /// - Parameters:
    ///   - uri: the request target as sent (`/` or `/path?query`); the path is used as it is
    ///     (percent-encoded by the sender), an empty path counts as `/`.
    ///   - headers: names in any case; repeated names allowed.
    ///   - signedHeaders: lower-case names, in the order they are listed (sorted, by a signer).
    ///   - bodyHash: the hex SHA-256 of the body (`sha256Hex`).
    package static func canonicalRequest(
        method: String, uri: String, headers: [(String, String)], signedHeaders: [String], bodyHash: String
    ) -> String {
        let path: Substring
        let query: Substring
        if let mark = uri.firstIndex(of: "?") {
            path = uri[..<mark]
            query = uri[uri.index(after: mark)...]
        } else {
            path = Substring(uri)
            query = ""
        }
        let queryPairs = query.split(separator: "&").map { pair -> (Substring, Substring) in
            guard let equals = pair.firstIndex(of: "=") else { return (pair, "") }
            return (pair[..<equals], pair[pair.index(after: equals)...])
        }.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        let canonicalQuery = queryPairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        var lines: [String] = []
        for name in signedHeaders {
            let values = headers.filter { $0.0.lowercased() == name }.map { collapse($0.1) }
            lines.append("\(name):\(values.joined(separator: ","))")
        }
        return [
            method, path.isEmpty ? "/" : String(path), canonicalQuery, lines.joined(separator: "\n") + "\n",
            signedHeaders.joined(separator: ";"), bodyHash,
        ].joined(separator: "\n")
    }

    /// The string to sign: the algorithm, the `X-Amz-Date`, the credential scope
    /// (`DATE/REGION/SERVICE/aws4_request`) and the hash of the canonical request.
    package static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        "\(algorithm)\n\(amzDate)\n\(scope)\n\(sha256Hex(Array(canonicalRequest.utf8)))"
    }

    /// The signature of `stringToSign`: HMAC-SHA256 under the key derived from the secret through
    /// each element of the scope (`kDate`, `kRegion`, `kService`, `kSigning`), in hex.
    ///
    /// - Parameter scope: the scope's elements, `[date, region, service, "aws4_request"]`.
    package static func signature(secret: String, scope: [Substring], stringToSign: String) -> String {
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in scope {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// The lower-case hex SHA-256 of `bytes` (the body hash of the canonical request).
    package static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Bytes as lower-case hex.
    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Compares two signatures in time independent of where they differ.
    package static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    private static func collapse(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
