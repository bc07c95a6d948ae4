import DapperOTLPGRPC
import Foundation
import GRPCCore
import Testing

/// The client against a real grpc-swift HTTP/2 server on loopback, one scripted answer per call.
@Suite struct OTLPGRPCClientTests {
    static let request: [UInt8] = [0x0A, 0x03, 0x01, 0x02, 0x03, 0x00, 0xFF]

    /// Exports `request` through a client of `target`'s port (plaintext, 127.0.0.1), with
    /// `timeout` before the deadline, then shuts the client down.
    static func export(
        port: Int, request: [UInt8] = request, metadata: [(name: String, value: String)] = [], gzip: Bool = false,
        timeout: Duration = .seconds(10)
    ) async throws -> OTLPGRPCResult {
        let client = try OTLPGRPCClient(target: OTLPGRPCTarget(host: "127.0.0.1", port: port, metadata: metadata, gzip: gzip))
        return await onOwnThread {
            defer { client.shutdown() }
            return request.withUnsafeBytes { client.export($0, deadline: .now + timeout) }
        }
    }

    @Test func anOKCallDeliversExactlyTheBytesSent() async throws {
        let service = ScriptedTraceService(answers: [.ok([])])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0) }
        #expect(result == .ok(response: []))
        #expect(service.calls.map(\.message) == [Self.request])
    }

    @Test func aResponseWithPartialSuccessIsReturnedUntouched() async throws {
        // ExportTraceServiceResponse { partial_success { rejected_spans: 3, error_message: "too old" } }
        let response: [UInt8] = [0x0A, 0x0B, 0x08, 0x03, 0x12, 0x07] + Array("too old".utf8)
        let service = ScriptedTraceService(answers: [.ok(response)])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0) }
        #expect(result == .ok(response: response))
    }

    @Test func unavailableIsRetryable() async throws {
        let service = ScriptedTraceService(answers: [.fail(.unavailable, "overloaded")])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0) }
        #expect(result == .failed(code: "unavailable", retryable: true, retryAfter: nil, message: "overloaded"))
    }

    @Test func resourceExhaustedWithoutRetryInfoIsNotRetryable() async throws {
        let other = StatusDetailsBytes.status(
            code: 8, message: "quota", details: [("type.googleapis.com/google.rpc.DebugInfo", [0x12, 0x01, 0x61])])
        let service = ScriptedTraceService(answers: [.fail(.resourceExhausted, "quota"), .fail(.resourceExhausted, "quota", statusDetails: other)])
        let results = try await withScriptedServer(service) { port in
            [try await Self.export(port: port), try await Self.export(port: port)]
        }
        for result in results {
            #expect(result == .failed(code: "resource_exhausted", retryable: false, retryAfter: nil, message: "quota"))
        }
    }

    @Test func resourceExhaustedWithRetryInfoIsRetryableAfterItsDelay() async throws {
        let details = StatusDetailsBytes.status(
            code: 8, message: "slow down",
            details: [(StatusDetailsBytes.retryInfoTypeURL, StatusDetailsBytes.retryInfo(seconds: 2, nanos: 500_000_000))])
        let service = ScriptedTraceService(answers: [.fail(.resourceExhausted, "slow down", statusDetails: details)])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0) }
        #expect(result == .failed(code: "resource_exhausted", retryable: true, retryAfter: .milliseconds(2500), message: "slow down"))
    }

    @Test func unavailableWithRetryInfoCarriesItsDelay() async throws {
        let details = StatusDetailsBytes.status(
            code: 14, message: "", details: [(StatusDetailsBytes.retryInfoTypeURL, StatusDetailsBytes.retryInfo(seconds: 30, nanos: 0))])
        let service = ScriptedTraceService(answers: [.fail(.unavailable, "", statusDetails: details)])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0) }
        #expect(result == .failed(code: "unavailable", retryable: true, retryAfter: .seconds(30), message: ""))
    }

    @Test func invalidArgumentIsNotRetryable() async throws {
        let service = ScriptedTraceService(answers: [.fail(.invalidArgument, "bad span")])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0) }
        #expect(result == .failed(code: "invalid_argument", retryable: false, retryAfter: nil, message: "bad span"))
    }

    @Test func theServersMessageIsEscaped() async throws {
        let service = ScriptedTraceService(answers: [.fail(.internalError, "line\n\u{1B}[31mred")])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0) }
        #expect(result == .failed(code: "internal", retryable: false, retryAfter: nil, message: "line\\n\\u{1b}[31mred"))
    }

    @Test func aServerThatHangsPastTheDeadlineIsCancelledAtIt() async throws {
        // A first call connects, so that the second's time goes to the server's hanging.
        let service = ScriptedTraceService(answers: [.ok([]), .hang])
        let (result, deadline, returned) = try await withScriptedServer(service) { port in
            let client = try OTLPGRPCClient(target: OTLPGRPCTarget(host: "127.0.0.1", port: port))
            let outcome = await onOwnThread {
                _ = Self.request.withUnsafeBytes { client.export($0, deadline: .now + .seconds(10)) }
                let deadline = ContinuousClock.now + .seconds(1)
                let result = Self.request.withUnsafeBytes { client.export($0, deadline: deadline) }
                return (result, deadline, ContinuousClock.now)
            }
            // The call ends at the server too (the client's cancellation, or the grpc-timeout it
            // sent), while the server still runs: stopping it would cancel the handler anyway.
            for _ in 0..<200 where service.cancelledCalls == 0 { try await Task.sleep(for: .milliseconds(25)) }
            #expect(service.cancelledCalls == 1)
            await onOwnThread { client.shutdown() }
            return outcome
        }
        guard case .failed(let code, let retryable, _, _) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(code == "deadline_exceeded")
        #expect(retryable)
        #expect(returned >= deadline)
        #expect(service.calls.count == 2)
    }

    @Test func aDeadlineAlreadyPastFailsWithoutACall() async throws {
        let service = ScriptedTraceService(answers: [])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0, timeout: .zero) }
        #expect(result == .failed(code: "deadline_exceeded", retryable: true, retryAfter: nil, message: "no answer before the deadline; the call was cancelled"))
        #expect(service.calls.isEmpty)
    }

    @Test func aRefusedConnectionIsRetryable() async throws {
        // The port of a server that has stopped: nothing listens there any more.
        let port = try await withScriptedServer(ScriptedTraceService(answers: [])) { $0 }
        let result = try await Self.export(port: port)
        guard case .failed(let code, let retryable, let retryAfter, _) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(code == "unavailable")
        #expect(retryable)
        #expect(retryAfter == nil)
    }

    @Test func gzipCompressesAndTheServerDecodesTheSameBytes() async throws {
        let request = [UInt8](repeating: 0x41, count: 4096) + Self.request
        let service = ScriptedTraceService(answers: [.ok([])])
        let result = try await withScriptedServer(service) { try await Self.export(port: $0, request: request, gzip: true) }
        #expect(result == .ok(response: []))
        #expect(service.calls.map(\.message) == [request])
        #expect(service.calls.first?.metadata["grpc-encoding"] == "gzip")
    }

    @Test func metadataIsDeliveredWithLowerCaseNames() async throws {
        let service = ScriptedTraceService(answers: [.ok([])])
        let metadata = [(name: "X-Tenant", value: "acme"), (name: "authorization", value: "Bearer s3cret")]
        _ = try await withScriptedServer(service) { try await Self.export(port: $0, metadata: metadata) }
        #expect(service.calls.first?.metadata["x-tenant"] == "acme")
        #expect(service.calls.first?.metadata["authorization"] == "Bearer s3cret")
    }

    @Test func shutdownWithoutACallReturns() async throws {
        let client = try OTLPGRPCClient(target: OTLPGRPCTarget(host: "127.0.0.1", port: 4317))
        await onOwnThread { client.shutdown() }
    }

    @Test func callsAfterShutdownFailWithoutRetry() async throws {
        let service = ScriptedTraceService(answers: [.ok([]), .ok([])])
        let results = try await withScriptedServer(service) { port in
            let client = try OTLPGRPCClient(target: OTLPGRPCTarget(host: "127.0.0.1", port: port))
            return await onOwnThread {
                let first = Self.request.withUnsafeBytes { client.export($0, deadline: .now + .seconds(10)) }
                client.shutdown()
                let second = Self.request.withUnsafeBytes { client.export($0, deadline: .now + .seconds(10)) }
                client.shutdown()
                return [first, second]
            }
        }
        #expect(results.first == .ok(response: []))
        guard case .failed(let code, let retryable, _, _) = results.last else {
            Issue.record("expected a failure, got \(String(describing: results.last))")
            return
        }
        #expect(code == "client_stopped")
        #expect(!retryable)
        #expect(service.calls.count == 1)
    }

    @Test func configurationErrorsNameWhatIsWrongAndNeverAValue() {
        #expect(throws: OTLPGRPCClientError.emptyHost) { try OTLPGRPCClient(target: OTLPGRPCTarget(host: "", port: 4317)) }
        #expect(throws: OTLPGRPCClientError.invalidPort(0)) { try OTLPGRPCClient(target: OTLPGRPCTarget(host: "collector", port: 0)) }
        #expect(throws: OTLPGRPCClientError.invalidMetadataName("grpc-timeout")) {
            try OTLPGRPCClient(target: OTLPGRPCTarget(host: "collector", port: 4317, metadata: [("grpc-timeout", "1S")]))
        }
        #expect(throws: OTLPGRPCClientError.invalidMetadataName("bad name")) {
            try OTLPGRPCClient(target: OTLPGRPCTarget(host: "collector", port: 4317, metadata: [("bad name", "x")]))
        }
        let secret = "Bearer s3cret\r\nx"
        let error = OTLPGRPCClientError.invalidMetadataValue(name: "authorization")
        #expect(throws: error) {
            try OTLPGRPCClient(target: OTLPGRPCTarget(host: "collector", port: 4317, metadata: [("authorization", secret)]))
        }
        #expect(!error.description.contains("s3cret"))
    }
}
