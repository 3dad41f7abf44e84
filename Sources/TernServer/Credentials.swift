/// The access keys a node accepts, read from `--credentials FILE`.
///
/// The file has one key a line: an access key id and its secret access key separated by
/// whitespace (`AKIDEXAMPLE wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`). Blank lines and lines
/// starting with `#` are ignored.
public struct Credentials: Sendable, Equatable {
    /// Secret access key by access key id.
    public var secrets: [String: String]

    /// Keys given directly (tests, embedding).
    public init(secrets: [String: String]) { self.secrets = secrets }

    /// Parses a credentials file's text.
    ///
    /// - Throws: `CredentialsError` naming the first malformed line, or when there is no key.
    public init(parsing text: String) throws(CredentialsError) {
        var secrets: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2 else {
                throw CredentialsError(message: "line \(number + 1): expected an access key id and a secret, separated by whitespace")
            }
            secrets[String(fields[0])] = String(fields[1])
        }
        guard !secrets.isEmpty else { throw CredentialsError(message: "no access key in the file") }
        self.secrets = secrets
    }
}

/// A credentials file that cannot be used.
public struct CredentialsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var text = self
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
