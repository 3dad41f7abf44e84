import ArgumentParser
import NIOCore
import TernClient
import TernEngine
import TernTables
import TernWire

#if canImport(Glibc)
import Glibc
#endif

/// Where `tern get` and `tern scan` read: a store directory, opened read-only, or a
/// DynamoDB-API endpoint through the remote client.
struct ItemSourceOptions: ParsableArguments {
    @Argument(help: "A store directory, opened read-only (works beside a running service or node).")
    var directory: String?

    @Option(help: ArgumentHelp(
        "Read from a DynamoDB-API endpoint instead (a Tern node, DynamoDB, ...), e.g. http://127.0.0.1:8000.",
        discussion: "Requests are signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) when set.",
        valueName: "url"))
    var endpoint: String?

    @Option(help: "The region to sign for with --endpoint (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).")
    var region: String?

    @Option(name: [.customLong("table"), .customLong("table-name")], help: "The table to read.")
    var table: String

    func validate() throws {
        switch (directory, endpoint) {
        case (nil, nil): throw ValidationError("name a store directory or --endpoint URL")
        case (.some, .some): throw ValidationError("name either a store directory or --endpoint URL, not both")
        default: break
        }
    }

    /// Opens the source.
    ///
    /// - Throws: `ExitCode.failure` after printing why, prefixed with `command`.
    func open(_ command: String) async throws -> ItemSource {
        if let directory {
            var options = StoreOptions()
            options.readOnly = true
            do {
                return .store(try await TableStore.open(at: directory, storeOptions: options, clock: .system, ttlPurgeInterval: nil))
            } catch {
                throw CommandFailure.report(command, "cannot open the store in \(directory): \(error)")
            }
        }
        let credentials =
            (try? SigningCredentials.environment())
            // A node without --credentials accepts any key; other endpoints refuse this one.
            ?? SigningCredentials(accessKeyID: "tern", secretAccessKey: "tern")
        let region = region ?? Self.environment("AWS_REGION") ?? Self.environment("AWS_DEFAULT_REGION") ?? "us-east-1"
        var configuration = TableClientConfiguration(endpoint: endpoint!, region: region, credentials: credentials)
        configuration.connectTimeout = .seconds(3)
        do {
            return .client(try TableClient(configuration: configuration))
        } catch {
            throw CommandFailure.report(command, "\(error)")
        }
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

/// An open source of items.
enum ItemSource {
    case store(TableStore)
    case client(TableClient)

    var service: any TableService {
        switch self {
        case .store(let store): store
        case .client(let client): client
        }
    }

    func close() async {
        switch self {
        case .store(let store): try? await store.close()
        case .client(let client): try? await client.shutdown()
        }
    }
}

/// A failed `tern get` / `tern scan`: the message is printed on standard error, the exit status
/// is 1.
enum CommandFailure {
    static func report(_ command: String, _ message: String) -> ExitCode {
        FileHandleStderr.write("tern \(command): \(message)\n")
        return ExitCode.failure
    }

    /// The line for an error of a read: DynamoDB's name and message for the server's and the
    /// table layer's errors.
    static func describe(_ error: any Error, endpoint: String?) -> String {
        switch error {
        case let error as DynamoError: "\(error.code.rawValue): \(error.message)"
        case let error as WireError: "\(error.name): \(error.message)"
        case let error as TableClientError: "\(error)"
        case let error as IOError: "cannot reach \(endpoint ?? "the endpoint"): \(String(cString: strerror(error.errnoCode)))"
        default: endpoint.map { "cannot reach \($0): \(error)" } ?? "\(error)"
        }
    }
}

/// Command-line JSON arguments.
enum JSONArgument {
    /// An item (`--key`, DynamoDB JSON).
    static func item(_ text: String, option: String) throws -> Item {
        do {
            return try WireItem.decode(string: text)
        } catch {
            throw ValidationError("\(option) is not DynamoDB JSON (e.g. '{\"pk\": {\"S\": \"a\"}}'): \(error.message)")
        }
    }

    /// `--expression-attribute-names`: `{"#n": "name"}`.
    static func names(_ text: String?) throws -> [String: String]? {
        guard let text else { return nil }
        let json = try? JSONParser.parse(Array(text.utf8))
        guard case .object(let members)? = json else {
            throw ValidationError("--expression-attribute-names is not a JSON object such as '{\"#n\": \"name\"}'")
        }
        var names: [String: String] = [:]
        for (placeholder, value) in members {
            guard case .string(let name) = value else {
                throw ValidationError("--expression-attribute-names: \(placeholder) must name an attribute with a string")
            }
            names[placeholder] = name
        }
        return names
    }

    /// `--expression-attribute-values`: `{":v": {"S": "x"}}`.
    static func values(_ text: String?) throws -> [String: AttributeValue]? {
        guard let text else { return nil }
        return try item(text, option: "--expression-attribute-values")
    }
}
