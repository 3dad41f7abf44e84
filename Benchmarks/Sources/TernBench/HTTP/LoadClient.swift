import Foundation
import Glibc

/// A closed-loop HTTP/1.1 load generator: each connection is one OS thread with a blocking
/// loopback socket that sends a request, reads the whole response, records the latency, and
/// sends the next (keep-alive, no pipelining), for a fixed time.
///
/// Plain sockets rather than an HTTP library keep the client's own cost per request small and
/// the same for every server measured; it still shares the machine's cores with the server, so
/// the figures are ratios within one run, not absolute capacities.
struct LoadClient {
    struct Result {
        var requests: Int
        var errors: Int
        var seconds: Double
        var latenciesMicroseconds: [Double]

        var requestsPerSecond: Double { Double(requests) / seconds }

        func percentile(_ p: Double) -> Double {
            guard !latenciesMicroseconds.isEmpty else { return 0 }
            let sorted = latenciesMicroseconds.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
    }

    let port: Int

    /// Runs `connections` connections for `seconds` (after `warmupSeconds` not counted); each
    /// request's bytes come from `request(connection, sequence)`.
    func run(
        connections: Int, seconds: Double, warmupSeconds: Double = 0.3,
        request: @escaping @Sendable (_ connection: Int, _ sequence: Int) -> [UInt8]
    ) -> Result {
        let results = ResultsBox(count: connections)
        let start = Date().addingTimeInterval(0)
        let measureFrom = start.addingTimeInterval(warmupSeconds)
        let stopAt = measureFrom.addingTimeInterval(seconds)
        var threads: [Thread] = []
        for connection in 0..<connections {
            let thread = Thread { [port] in
                results.store(connection, Self.drive(port: port, connection: connection, measureFrom: measureFrom, stopAt: stopAt, request: request))
            }
            thread.stackSize = 1 << 20
            threads.append(thread)
            thread.start()
        }
        results.waitForAll()
        var total = Result(requests: 0, errors: 0, seconds: seconds, latenciesMicroseconds: [])
        for partial in results.all {
            total.requests += partial.requests
            total.errors += partial.errors
            total.latenciesMicroseconds += partial.latenciesMicroseconds
        }
        return total
    }

    private static func drive(
        port: Int, connection: Int, measureFrom: Date, stopAt: Date, request: (Int, Int) -> [UInt8]
    ) -> Result {
        var result = Result(requests: 0, errors: 0, seconds: 0, latenciesMicroseconds: [])
        result.latenciesMicroseconds.reserveCapacity(100_000)
        guard var socket = try? BlockingSocket(port: port) else {
            result.errors += 1
            return result
        }
        let measureNanos = UInt64(measureFrom.timeIntervalSince1970 * 1e9)
        let stopNanos = UInt64(stopAt.timeIntervalSince1970 * 1e9)
        var sequence = 0
        while true {
            let begin = wallNanoseconds()
            if begin >= stopNanos { break }
            let bytes = request(connection, sequence)
            sequence += 1
            let (status, closes) = (try? socket.roundTrip(bytes)) ?? (0, true)
            let end = wallNanoseconds()
            if closes {
                // The server closes after this response (or the connection failed): reconnect,
                // as an HTTP client library would, before the next request.
                socket.close()
                guard let fresh = try? BlockingSocket(port: port) else { break }
                socket = fresh
            }
            guard begin >= measureNanos else { continue }
            if status == 200 {
                result.requests += 1
                result.latenciesMicroseconds.append(Double(end - begin) / 1000)
            } else {
                result.errors += 1
            }
        }
        return result
    }

    static func wallNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// One request, built from a target and a JSON body (unsigned; a fixed Authorization header
    /// gives moto its region, and Tern without `--credentials` ignores it).
    static func request(target: String, body: String) -> [UInt8] {
        let bodyBytes = Array(body.utf8)
        let head = """
            POST / HTTP/1.1\r
            Host: 127.0.0.1\r
            Content-Type: application/x-amz-json-1.0\r
            X-Amz-Target: \(target)\r
            Authorization: AWS4-HMAC-SHA256 Credential=testing/20261205/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00\r
            Content-Length: \(bodyBytes.count)\r
            \r

            """
        return Array(head.utf8) + bodyBytes
    }
}

/// Per-connection results, filled by the connection threads.
final class ResultsBox: @unchecked Sendable {
    // Guarded by `condition`.
    private var results: [LoadClient.Result?]
    private let condition = NSCondition()

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ result: LoadClient.Result) {
        condition.lock()
        results[index] = result
        condition.broadcast()
        condition.unlock()
    }

    func waitForAll() {
        condition.lock()
        while results.contains(where: { $0 == nil }) { condition.wait() }
        condition.unlock()
    }

    var all: [LoadClient.Result] {
        condition.lock()
        defer { condition.unlock() }
        return results.compactMap { $0 }
    }
}

/// A blocking TCP connection to 127.0.0.1 that sends a request and reads one response.
struct BlockingSocket {
    let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    /// The body of the last response.
    private(set) var lastBody: [UInt8] = []

    struct Failure: Error {}

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure() }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw Failure()
        }
    }

    func close() { Glibc.close(descriptor) }

    /// Sends `request` and reads the response; returns its status and whether the server closes
    /// the connection after it.
    mutating func roundTrip(_ request: [UInt8]) throws -> (status: Int, closes: Bool) {
        let sent = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw Failure() }
        var filled = 0
        var headerEnd = -1
        var contentLength = 0
        var closes = false
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + filled, $0.count - filled, 0) }
            guard count > 0 else { throw Failure() }
            filled += count
            if headerEnd < 0, let end = Self.headerEnd(buffer, filled) {
                headerEnd = end
                let head = String(decoding: buffer[0..<end], as: UTF8.self).lowercased()
                contentLength = Self.contentLength(head)
                closes = head.contains("connection: close") || head.hasPrefix("http/1.0")
            }
            if headerEnd >= 0 && filled >= headerEnd + 4 + contentLength { break }
            if filled == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        }
        lastBody = Array(buffer[(headerEnd + 4)..<(headerEnd + 4 + contentLength)])
        // "HTTP/1.1 200"
        return (Int(buffer[9] - 48) * 100 + Int(buffer[10] - 48) * 10 + Int(buffer[11] - 48), closes)
    }

    private static func headerEnd(_ bytes: [UInt8], _ count: Int) -> Int? {
        guard count >= 4 else { return nil }
        for index in 0...(count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func contentLength(_ head: String) -> Int {
        guard let range = head.range(of: "content-length:") else { return 0 }
        let digits = head[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        return Int(digits) ?? 0
    }
}
