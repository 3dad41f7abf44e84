#if canImport(Glibc)
import Glibc
#endif

/// An AWS access key: what signs a `TableClient`'s requests (SigV4).
///
/// A Tern node started without `--credentials` accepts any key; one started with it, and
/// DynamoDB, accept only their own. Temporary credentials (from STS, an instance role) carry a
/// session token, sent as `X-Amz-Security-Token` and signed with the rest.
public struct SigningCredentials: Sendable, Equatable, CustomStringConvertible {
    /// The access key id (`AKIDEXAMPLE`), sent in the clear in every request's scope.
    public var accessKeyID: String
    /// The secret access key; never sent, only used to sign.
    public var secretAccessKey: String
    /// The session token of temporary credentials, nil for long-term keys.
    public var sessionToken: String?

    /// A key.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The key in the environment, as the AWS SDKs and CLI read it: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and, when set, `AWS_SESSION_TOKEN`.
    ///
    /// - Throws: `TableClientError` (`invalidConfiguration`) naming the variable that is missing
    ///   or empty.
    public static func environment() throws(TableClientError) -> SigningCredentials {
        func variable(_ name: String) -> String? {
            guard let value = getenv(name) else { return nil }
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
        guard let id = variable("AWS_ACCESS_KEY_ID") else {
            throw TableClientError(.invalidConfiguration, "AWS_ACCESS_KEY_ID is not set")
        }
        guard let secret = variable("AWS_SECRET_ACCESS_KEY") else {
            throw TableClientError(.invalidConfiguration, "AWS_SECRET_ACCESS_KEY is not set")
        }
        return SigningCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: variable("AWS_SESSION_TOKEN"))
    }

    /// The access key id only: the secret and the token stay out of logs.
    public var description: String {
        "SigningCredentials(\(accessKeyID)\(sessionToken == nil ? "" : ", with session token"))"
    }
}
