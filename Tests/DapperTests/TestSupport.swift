@_spi(Benchmarks) import Dapper  // the tracer without its span pool
import DapperTesting
import Foundation
import Synchronization

// Shared helpers of the test suite: a tracer with an in-memory reporter, fake clocks and
// random sources for the sampler, errors to finish spans with, and the golden vectors.

/// Default tags with recognisable values, in the order Compatibility §6 gives.
let testDefaultTags: [SpanTag] = [
    SpanTag(key: "region", value: .string("region-test")),
    SpanTag(key: "zone", value: .string("zone-test")),
    SpanTag(key: "hostname", value: .string("host-test")),
    SpanTag(key: "ip", value: .string("192.0.2.7")),
]

/// A tracer that reports into memory; every trace sampled unless told otherwise.
func makeTracer(
    serviceName: String = "test-service",
    sampler: any Sampler = AlwaysSampler(),
    defaultTags: [SpanTag] = testDefaultTags,
    usesSpanPool: Bool = true
) -> (tracer: DapperTracer, reporter: InMemoryReporter) {
    let reporter = InMemoryReporter()
    let tracer = DapperTracer(
        serviceName: serviceName,
        reporter: reporter,
        sampler: sampler,
        defaultTags: defaultTags,
        usesSpanPool: usesSpanPool
    )
    return (tracer, reporter)
}

/// The tags a span of `kind` starts with: the default tags, then one `span.kind`.
func sharedTags(_ kind: String, defaultTags: [SpanTag] = testDefaultTags) -> [SpanTag] {
    defaultTags + [SpanTag(key: "span.kind", value: .string(kind))]
}

/// A value that a test changes and `@Sendable` closures read.
///
/// Locked with `NSLock` (a pthread mutex), which the thread sanitizer understands; on Linux it
/// does not see the locking of `Synchronization.Mutex` and reports races inside it.
final class Knob<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: Value

    init(_ value: Value) { storage = value }

    var value: Value {
        get { lock.withLock { storage } }
        set { lock.withLock { storage = newValue } }
    }

    /// Changes the value in place, atomically.
    func update<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.withLock { body(&storage) }
    }
}

/// A counter that `@Sendable` closures increment.
final class Counter: Sendable {
    private let storage = Atomic<Int>(0)

    func increment() { storage.add(1, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}

/// An error with a known description.
struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// An error that carries a stack trace.
struct StackError: StackTraceCarryingError, CustomStringConvertible {
    var description: String
    var stackTrace: String
}

/// The wall clock now, in nanoseconds since the Unix epoch, from Foundation (not the tracer's clock).
func wallClockNanos() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1e9).rounded())
}

/// The fields of every log entry of a span, as (key, value) pairs per entry.
func logFields(_ span: FinishedSpan) -> [[String]] {
    span.logs.map { log in log.fields.map { "\($0.key)=\($0.value)" } }
}

/// The keys of a span's tags whose key is `key`.
func count(_ key: String, in span: FinishedSpan) -> Int {
    span.tags.filter { $0.key == key }.count
}

// MARK: - Golden vectors

/// `Tests/Fixtures/legacy-go.json`, the Go original's golden vectors, found from this file's
/// path.
enum Vectors {
    static let url: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DapperTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Tests/Fixtures/legacy-go.json")
        .standardizedFileURL

    /// The decoded file, or `nil` when it cannot be read (a test asserts that it can).
    private static func loadRoot() -> [String: Any]? {
        guard let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data),
            let root = object as? [String: Any]
        else { return nil }
        return root
    }

    /// Every `context_parse` case, empty when the file cannot be read.
    static let contextParse: [ContextParseVector] = {
        guard let entries = loadRoot()?["context_parse"] as? [[String: Any]] else { return [] }
        return entries.map(ContextParseVector.init)
    }()

    /// Every `spans` case, empty when the file cannot be read.
    static let spans: [SpanVector] = {
        guard let entries = loadRoot()?["spans"] as? [[String: Any]] else { return [] }
        return entries.map(SpanVector.init)
    }()
}

/// A decimal-string ID of the vectors file.
private func decimalID(_ value: Any?) -> UInt64? {
    if let string = value as? String { return UInt64(string) }
    if let number = value as? NSNumber { return number.uint64Value }
    return nil
}

/// One `context_parse` case.
struct ContextParseVector: Sendable, CustomStringConvertible {
    var input: String
    var okHere: Bool
    var traceID: UInt64?
    var spanID: UInt64?
    var parentID: UInt64?
    var flags: UInt8

    init(_ entry: [String: Any]) {
        input = entry["input"] as? String ?? ""
        okHere = entry["ok_here"] as? Bool ?? false
        traceID = decimalID(entry["trace_id"])
        spanID = decimalID(entry["span_id"])
        parentID = decimalID(entry["parent_id"])
        flags = UInt8((entry["flags"] as? NSNumber)?.intValue ?? 0)
    }

    var description: String { "\"\(input)\"" }
}

/// One tag of a span vector, with its declared type.
struct VectorTag: Sendable {
    var key: String
    var value: SpanTagValue
}

/// One `spans` case (the fields these tests use).
struct SpanVector: Sendable, CustomStringConvertible {
    var name: String
    var operationName: String
    var traceID: UInt64
    var spanID: UInt64
    var parentID: UInt64
    var traceIDHex: String
    var spanIDHex: String
    var parentIDHex: String
    var flags: UInt8
    var contextString: String
    var tags: [SpanTag]
    /// Each log's fields as `key=value`.
    var logs: [[String]]

    init(_ entry: [String: Any]) {
        name = entry["name"] as? String ?? "?"
        operationName = entry["operation_name"] as? String ?? ""
        traceID = decimalID(entry["trace_id"]) ?? 0
        spanID = decimalID(entry["span_id"]) ?? 0
        parentID = decimalID(entry["parent_id"]) ?? 0
        traceIDHex = entry["trace_id_hex"] as? String ?? ""
        spanIDHex = entry["span_id_hex"] as? String ?? ""
        parentIDHex = entry["parent_id_hex"] as? String ?? ""
        flags = UInt8((entry["flags"] as? NSNumber)?.intValue ?? 0)
        contextString = entry["context_string"] as? String ?? ""
        tags = (entry["tags"] as? [[String: Any]] ?? []).map { tag in
            let key = tag["key"] as? String ?? ""
            let raw = tag["value"]
            let value: SpanTagValue
            switch tag["type"] as? String {
            case "string": value = .string(raw as? String ?? "")
            case "int", "int32", "int64": value = .int((raw as? NSNumber)?.int64Value ?? 0)
            case "bool": value = .bool((raw as? NSNumber)?.boolValue ?? false)
            default: value = .double((raw as? NSNumber)?.doubleValue ?? .nan)
            }
            return SpanTag(key: key, value: value)
        }
        logs = (entry["logs"] as? [[String: Any]] ?? []).map { log in
            (log["fields"] as? [[String: Any]] ?? []).map { field in
                "\(field["key"] as? String ?? "")=\(field["value"] as? String ?? "")"
            }
        }
    }

    var description: String { name }
}

/// SplitMix64: a tiny seeded generator, so that failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
