import Dapper
import DapperOTLPGRPC
import DapperOTLPWire
import Foundation
import Testing

/// Exports known spans, encoded by `OTLPSpanEncoder`, to a real OTLP/gRPC receiver written by no
/// one here (`Scripts/otlp-grpc-receiver.py`: opentelemetry-proto's generated service on
/// grpcio), gzip-compressed and with metadata; writes what the receiver must have decoded to
/// `DAPPER_OTLP_GRPC_EXPECTED`, which the script's `check` then compares.
///
/// Runs when `DAPPER_OTLP_GRPC_RECEIVER` is `HOST:PORT`; `Scripts/test` starts the receiver
/// and sets it.
@Suite struct ReceiverExportTests {
    static let environment = ProcessInfo.processInfo.environment
    static let receiver = environment["DAPPER_OTLP_GRPC_RECEIVER"]

    /// Two requests: a trace across two services, then a one-span trace of a third.
    static let batches: [[FinishedSpan]] = [
        [
            FinishedSpan(
                serviceName: "gateway", operationName: "/api/orders",
                context: SpanContext(traceID: 0x0123_4567_89AB_CDEF, spanID: 0x1111_2222_3333_4444, flags: .sampled),
                startTimeNanos: 1_700_000_000_000_000_000, durationNanos: 5_000_000, tags: [SpanTag(key: "span.kind", value: .string("server"))]),
            FinishedSpan(
                serviceName: "users", operationName: "/users.UserService/Get",
                context: SpanContext(
                    traceID: 0x0123_4567_89AB_CDEF, spanID: 0x5555_6666_7777_8888, parentID: 0x1111_2222_3333_4444,
                    flags: .sampled, level: 2),
                startTimeNanos: 1_700_000_000_001_000_000, durationNanos: 2_000_000, tags: [SpanTag(key: "span.kind", value: .string("client"))]),
        ],
        [
            FinishedSpan(
                serviceName: "orders", operationName: "/orders.OrderService/List",
                context: SpanContext(traceID: 0xFEDC_BA98_7654_3210, spanID: 0x0000_0000_0000_0001, flags: .sampled),
                startTimeNanos: 1_700_000_000_002_000_000, durationNanos: 1_000_000),
        ],
    ]

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    @Test(
        .enabled(
            if: receiver != nil,
            "set DAPPER_OTLP_GRPC_RECEIVER=HOST:PORT and DAPPER_OTLP_GRPC_EXPECTED=FILE (Scripts/test starts Scripts/otlp-grpc-receiver.py and does)"
        ))
    func knownSpansReachARealReceiverWhole() async throws {
        let address = try #require(Self.receiver)
        let expectedFile = try #require(Self.environment["DAPPER_OTLP_GRPC_EXPECTED"])
        let separator = try #require(address.lastIndex(of: ":"))
        let port = try #require(Int(address[address.index(after: separator)...]))
        let target = OTLPGRPCTarget(
            host: String(address[..<separator]), port: port, metadata: [("X-Dapper-Check", "grpc-receiver")], gzip: true)
        let client = try OTLPGRPCClient(target: target)
        let encoder = OTLPSpanEncoder(resource: OTLPResource(serviceName: "unused-fallback"))
        let requests = try Self.batches.map { try encoder.encodeRequest($0) }
        let results = await onOwnThread {
            defer { client.shutdown() }
            return requests.map { request in request.withUnsafeBytes { client.export($0, deadline: .now + .seconds(10)) } }
        }
        for result in results {
            guard case .ok = result else {
                Issue.record("the receiver did not accept a request: \(result)")
                return
            }
        }
        let spans = Self.batches.joined().map { span -> [String: String] in
            [
                "traceId": String(repeating: "0", count: 16) + Self.hex(span.context.traceID),
                "spanId": Self.hex(span.context.spanID),
                "parentSpanId": span.context.parentID == 0 ? "" : Self.hex(span.context.parentID),
                "name": span.operationName,
                "service": span.serviceName,
            ]
        }
        let expected: [String: Any] = [
            "requests": requests.count, "spans": spans, "metadataNames": ["x-dapper-check"],
        ]
        try JSONSerialization.data(withJSONObject: expected, options: [.sortedKeys]).write(to: URL(fileURLWithPath: expectedFile))
    }
}
