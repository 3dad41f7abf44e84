import Testing
import TernWire

@testable import TernServer

/// AWS's published SigV4 test vector "get-vanilla" (the signature is the one AWS lists), then
/// each way a signature is refused. (The shared parts, dates and the signer: TernClientTests.)
struct SignatureV4Tests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let signedAt: Int64 = 1_440_938_160  // 2015-08-30T12:36:00Z
    static let verifier = SignatureV4Verifier(credentials: Credentials(secrets: ["AKIDEXAMPLE": secret]))

    static func vanilla(key: String = "AKIDEXAMPLE", signature: String = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", body: [UInt8] = [])
        -> SignatureV4Verifier.Request
    {
        SignatureV4Verifier.Request(
            method: "GET", uri: "/",
            headers: [
                ("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z"),
                ("Authorization",
                 "AWS4-HMAC-SHA256 Credential=\(key)/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(signature)"),
            ], body: body)
    }

    @Test("AWS's get-vanilla vector verifies")
    func vanillaVerifies() throws {
        #expect(try Self.verifier.verify(Self.vanilla(), nowEpochSeconds: Self.signedAt) == "AKIDEXAMPLE")
        // Within the 15-minute skew on either side.
        _ = try Self.verifier.verify(Self.vanilla(), nowEpochSeconds: Self.signedAt + 899)
        _ = try Self.verifier.verify(Self.vanilla(), nowEpochSeconds: Self.signedAt - 899)
    }

    static func refusal(_ request: SignatureV4Verifier.Request, verifier: SignatureV4Verifier = verifier, now: Int64 = signedAt) -> String? {
        do {
            _ = try verifier.verify(request, nowEpochSeconds: now)
            return nil
        } catch {
            return error.name
        }
    }

    @Test("a wrong secret, an unknown key, a stale date, a tampered body and no signature are refused")
    func refusals() {
        let wrongSecret = SignatureV4Verifier(credentials: Credentials(secrets: ["AKIDEXAMPLE": "not-the-secret"]))
        #expect(Self.refusal(Self.vanilla(), verifier: wrongSecret) == "InvalidSignatureException")
        #expect(Self.refusal(Self.vanilla(key: "AKIDUNKNOWN")) == "UnrecognizedClientException")
        #expect(Self.refusal(Self.vanilla(), now: Self.signedAt + 901) == "InvalidSignatureException")
        #expect(Self.refusal(Self.vanilla(), now: Self.signedAt - 901) == "InvalidSignatureException")
        #expect(Self.refusal(Self.vanilla(body: Array("{}".utf8))) == "InvalidSignatureException")
        #expect(Self.refusal(Self.vanilla(signature: String(repeating: "0", count: 64))) == "InvalidSignatureException")
        var unsigned = Self.vanilla()
        unsigned.headers.removeAll { $0.0 == "Authorization" }
        #expect(Self.refusal(unsigned) == "MissingAuthenticationTokenException")
    }

    @Test("a credentials file parses, and a malformed one names its line")
    func credentialsFile() throws {
        let parsed = try Credentials(parsing: "# keys\n\nAKID1 secret1\n  AKID2\tsecret/2  \n")
        #expect(parsed.secrets == ["AKID1": "secret1", "AKID2": "secret/2"])
        #expect(throws: CredentialsError.self) { try Credentials(parsing: "AKID1 secret1 extra\n") }
        #expect(throws: CredentialsError.self) { try Credentials(parsing: "# nothing\n") }
    }
}

struct ThrottleTests {
    final class ManualClock: @unchecked Sendable {
        // Written only by the test's own thread between throttle calls.
        var seconds = 0.0
    }

    @Test("a table's bucket refills at its rate, holds its burst, and refuses when short")
    func tokenBucket() throws {
        let clock = ManualClock()
        let throttle = Throttle(configuration: ThrottleConfiguration(readsPerSecond: 2, writesPerSecond: 1, burstSeconds: 1)) { clock.seconds }
        try throttle.take([("Users", 1)], kind: .read)
        try throttle.take([("Users", 1)], kind: .read)
        let error = try #require(throws: WireError.self) { try throttle.take([("Users", 1)], kind: .read) }
        #expect(error.name == "ProvisionedThroughputExceededException")
        #expect(error.status == 400)
        // Another table and the write bucket are separate.
        try throttle.take([("Other", 2)], kind: .read)
        try throttle.take([("Users", 1)], kind: .write)
        clock.seconds = 0.5
        try throttle.take([("Users", 1)], kind: .read)
        #expect(throws: WireError.self) { try throttle.take([("Users", 1)], kind: .read) }
        // A long pause refills only up to the burst.
        clock.seconds = 100
        try throttle.take([("Users", 2)], kind: .read)
        #expect(throws: WireError.self) { try throttle.take([("Users", 1)], kind: .read) }
        // All or nothing across tables: a short table takes nothing from the others.
        clock.seconds = 200
        #expect(throws: WireError.self) { try throttle.take([("Users", 1), ("Other", 5)], kind: .read) }
        try throttle.take([("Users", 2)], kind: .read)
    }
}
