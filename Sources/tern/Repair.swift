import ArgumentParser
import Glibc

/// `tern repair`: asks a running node to compare its global tables with every peer now
/// (anti-entropy) and prints what each session found and fixed.
struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run anti-entropy on a replicating node now: compare global tables with every peer and repair (last writer wins).",
        discussion: """
            Sends Tern_20261201.Repair to the node's HTTP API (a node started without --credentials;
            the operation is unsigned) and prints one line per table and peer: versions, Merkle
            leaves that differ, keys compared, versions pushed to the peer and pulled from it.
            """)

    @Option(help: "The node's HTTP API, http://HOST:PORT.")
    var endpoint = "http://127.0.0.1:8000"

    @Option(help: "Only this table (default: every global table).")
    var table: String?

    func run() throws {
        guard endpoint.hasPrefix("http://"), let colon = endpoint.dropFirst(7).lastIndex(of: ":"),
              let port = Int(endpoint[endpoint.index(after: colon)...].prefix { $0.isNumber })
        else { throw ValidationError("--endpoint must be http://HOST:PORT (got '\(endpoint)')") }
        let host = String(endpoint.dropFirst(7)[..<colon])
        var body = "{}"
        if let table { body = "{\"TableName\":\"\(table.replacingOccurrences(of: "\"", with: "\\\""))\"}" }
        let (status, response) = try Self.post(host: host, port: port, target: "Tern_20261201.Repair", body: body)
        guard status == 200 else {
            StandardError.write("tern repair: the node answered \(status): \(response)\n")
            throw ExitCode(1)
        }
        print(response)
    }

    /// One HTTP/1.1 POST over a plain socket (no dependency for one request).
    static func post(host: String, port: Int, target: String, body: String) throws -> (Int, String) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let address = result else {
            throw ValidationError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard fd >= 0, connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            throw ValidationError("cannot connect to \(host):\(port)")
        }
        defer { close(fd) }
        let request = "POST / HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/x-amz-json-1.0\r\n"
            + "X-Amz-Target: \(target)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        var bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw ValidationError("sending to \(host):\(port) failed") }
            sent += count
        }
        bytes = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let status = Int(text.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
        let payload = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, payload)
    }
}
