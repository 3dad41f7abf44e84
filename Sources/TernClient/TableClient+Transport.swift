import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import TernEngine
import TernWire

#if canImport(Glibc)
import Glibc
#endif

/// One request over HTTP, and the retry loop around it.
extension TableClient {
    /// What one attempt came to.
    private enum Outcome {
        /// HTTP 200: the response body.
        case success([UInt8])
        /// The server answered with an error.
        case refused(WireError)
        /// No answer: the transport failed (or the answer could not be read).
        case failed(any Error)
    }

    /// Sends `body` to `target` until it succeeds, fails in a way not worth retrying, or the
    /// retry policy's attempts are spent; returns the 200 response's body.
    ///
    /// - Parameter idempotent: whether the request may be sent again when an attempt's fate is
    ///   unknown (reads: yes; writes: no).
    /// - Throws: the last attempt's error: `DynamoError` when the table layer has its name,
    ///   `WireError` otherwise, the transport's error, `CancellationError`.
    func send(operation: String, target: String, body: [UInt8], idempotent: Bool) async throws -> [UInt8] {
        let policy = configuration.retryPolicy
        var random = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            try Task.checkCancellation()
            guard !hasShutDown else { throw TableClientError(.shutDown, "the client was shut down") }
            let outcome: Outcome
            do {
                let (status, bytes) = try await exchange(target: target, body: body)
                outcome = status == 200 ? .success(bytes) : .refused(WireError.decode(status: status, body: bytes))
            } catch {
                outcome = .failed(error)
            }
            let failure: any Error
            switch outcome {
            case .success(let bytes):
                return bytes
            case .refused(let error):
                guard attempt < policy.maxAttempts, policy.retries(error) else { throw error.dynamoError ?? error }
                failure = error
            case .failed(let error):
                guard attempt < policy.maxAttempts, Self.isRetryable(transport: error, idempotent: idempotent) else { throw error }
                failure = error
            }
            let delay = policy.delay(beforeRetry: attempt, using: &random)
            configuration.logger.debug(
                "retrying", metadata: ["operation": "\(operation)", "attempt": "\(attempt)", "error": "\(failure)", "delay": "\(delay)"])
            configuration.retryObserver?(RetryEvent(operation: operation, failedAttempt: attempt, error: failure, delay: delay))
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }

    /// One signed POST; the status and the whole body.
    private func exchange(target: String, body: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        var headers = [("Host", endpoint.hostHeader), ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", target)]
        headers += signer.sign(method: "POST", uri: endpoint.path, headers: headers, body: body, epochSeconds: configuration.epochSeconds())
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers = HTTPHeaders(headers)
        request.headers.add(name: "User-Agent", value: "tern-client/\(TernVersion.current)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, deadline: .now() + TimeAmount(configuration.requestTimeout))
        let collected: ByteBuffer
        do {
            collected = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw TableClientError(.invalidResponse, "the response is larger than maxResponseBytes (\(configuration.maxResponseBytes))")
        }
        let bytes = Array(collected.readableBytesView)
        if let claimed = response.headers.first(name: ResponseChecksum.header), !ResponseChecksum.matches(bytes, header: claimed) {
            throw TableClientError(
                .corruptResponse, "the response body does not match its \(ResponseChecksum.header) checksum (\(claimed))")
        }
        return (Int(response.status.code), bytes)
    }

    /// Whether a transport failure is worth another attempt. Not when no connection could be
    /// made: async-http-client already kept trying to connect, with backoff, for the whole
    /// `connectTimeout`, and trying again would multiply the wait for an endpoint that is down.
    /// Otherwise the request may have reached the server: only an idempotent one (a read) is
    /// sent again; so is a read whose response arrived damaged (its checksum does not match).
    /// Cancellation and the client's other errors never are.
    static func isRetryable(transport error: any Error, idempotent: Bool) -> Bool {
        if let error = error as? TableClientError { return error.code == .corruptResponse && idempotent }
        if error is CancellationError || error is NIOConnectionError { return false }
        if let error = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode) { return false }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout, .cancelled, .alreadyShutdown: return false
            default: return idempotent
            }
        }
        return idempotent
    }
}
