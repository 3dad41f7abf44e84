import Testing
import TernTables
@testable import TernClient
import TernServer
import TernSigV4
import TernTesting

/// The signer against AWS's published test vector and against the node's verifier (they share
/// `TernSigV4`'s canonical request, so this also pins the shared code), the date conversions,
/// and the endpoint's parsing.
struct SigV4SignerTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let signedAt: Int64 = 1_440_938_160  // 2015-08-30T12:36:00Z

    @Test("AWS's get-vanilla vector: the signer produces AWS's signature")
    func vanilla() {
        let signer = SigV4Signer(
            credentials: SigningCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret), region: "us-east-1",
            service: "service")
        let added = signer.sign(method: "GET", uri: "/", headers: [("Host", "example.amazonaws.com")], body: [], epochSeconds: Self.signedAt)
        #expect(added.first { $0.0 == "X-Amz-Date" }?.1 == "20150830T123600Z")
        #expect(added.first { $0.0 == "Authorization" }?.1
            == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    static func signed(_ credentials: SigningCredentials, body: [UInt8] = Array("{\"TableName\":\"T\"}".utf8), at seconds: Int64 = signedAt)
        -> SignatureV4Verifier.Request
    {
        let headers = [
            ("Host", "127.0.0.1:8000"), ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.GetItem"),
        ]
        let signer = SigV4Signer(credentials: credentials, region: "eu-west-1", service: "dynamodb")
        let added = signer.sign(method: "POST", uri: "/", headers: headers, body: body, epochSeconds: seconds)
        return SignatureV4Verifier.Request(method: "POST", uri: "/", headers: headers + added, body: body)
    }

    @Test("what the signer signs, the node's verifier accepts; a wrong secret, another body or a session token's removal it refuses")
    func signerAndVerifierAgree() throws {
        let verifier = SignatureV4Verifier(credentials: Credentials(secrets: ["AKIDTERN": "s3cret/+=key"]))
        let good = SigningCredentials(accessKeyID: "AKIDTERN", secretAccessKey: "s3cret/+=key")
        #expect(try verifier.verify(Self.signed(good), nowEpochSeconds: Self.signedAt) == "AKIDTERN")
        // Signed now, checked now: the signer's dates are the verifier's.
        let now = TableClock.system.nowEpochSeconds()
        #expect(try verifier.verify(Self.signed(good, at: now), nowEpochSeconds: now) == "AKIDTERN")

        var wrong = good
        wrong.secretAccessKey = "not-the-secret"
        #expect(throws: WireError.self) { try verifier.verify(Self.signed(wrong), nowEpochSeconds: Self.signedAt) }
        var tampered = Self.signed(good)
        tampered.body = Array("{\"TableName\":\"U\"}".utf8)
        #expect(throws: WireError.self) { try verifier.verify(tampered, nowEpochSeconds: Self.signedAt) }

        // A session token is sent and signed: removing it voids the signature.
        var temporary = good
        temporary.sessionToken = "FQoGZXIvYXdzEXAMPLETOKEN"
        let withToken = Self.signed(temporary)
        #expect(withToken.headers.contains { $0.0 == "X-Amz-Security-Token" && $0.1 == "FQoGZXIvYXdzEXAMPLETOKEN" })
        #expect(withToken.headers.first { $0.0 == "Authorization" }!.1.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"))
        _ = try verifier.verify(withToken, nowEpochSeconds: Self.signedAt)
        var stripped = withToken
        stripped.headers.removeAll { $0.0 == "X-Amz-Security-Token" }
        #expect(throws: WireError.self) { try verifier.verify(stripped, nowEpochSeconds: Self.signedAt) }
    }

    @Test("X-Amz-Date text and epoch seconds convert both ways")
    func dates() {
        #expect(SigV4.epochSeconds(amzDate: "20150830T123600Z") == Self.signedAt)
        #expect(SigV4.epochSeconds(amzDate: "19700101T000000Z") == 0)
        #expect(SigV4.epochSeconds(amzDate: "20000229T235959Z") == 951_868_799)
        #expect(SigV4.epochSeconds(amzDate: "2015-08-30T12:36:00Z") == nil)
        #expect(SigV4.amzDate(epochSeconds: Self.signedAt) == "20150830T123600Z")
        #expect(SigV4.amzDate(epochSeconds: 0) == "19700101T000000Z")
        #expect(SigV4.amzDate(epochSeconds: 951_868_799) == "20000229T235959Z")
        var random = SeededGenerator.fromEnvironment("sigv4-dates")
        for _ in 0..<2_000 {
            let seconds = Int64.random(in: 0...253_402_300_799, using: &random)  // through 9999-12-31T23:59:59Z
            #expect(SigV4.epochSeconds(amzDate: SigV4.amzDate(epochSeconds: seconds)) == seconds, "seed \(random.seed): \(seconds)")
        }
    }

    @Test("endpoints: schemes, ports, IPv6, paths; malformed ones are refused with a clear error")
    func endpoints() throws {
        func parts(_ url: String) throws -> String {
            let endpoint = try Endpoint(parsing: url)
            return "\(endpoint.url) host \(endpoint.hostHeader)"
        }
        #expect(try parts("http://127.0.0.1:8000") == "http://127.0.0.1:8000/ host 127.0.0.1:8000")
        #expect(try parts("https://dynamodb.eu-west-1.amazonaws.com") == "https://dynamodb.eu-west-1.amazonaws.com/ host dynamodb.eu-west-1.amazonaws.com")
        #expect(try parts("http://localhost:80/") == "http://localhost:80/ host localhost")
        #expect(try parts("HTTP://[::1]:8000/base") == "http://[::1]:8000/base host [::1]:8000")
        for bad in ["127.0.0.1:8000", "ftp://host", "http://", "http://host:0", "http://host:99999", "http://host/?x=1", "http://user@host"] {
            #expect(throws: TableClientError.self, "\(bad)") { _ = try Endpoint(parsing: bad) }
        }
    }
}
