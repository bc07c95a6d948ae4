// Spans a hostile peer can send the agent in one span.proto datagram: thousands of distinct tag
// keys, or one log of thousands of distinct fields. Each is encoded with SpanEncoder and read
// back with SpanDecoder, so the Zipkin encoders see exactly what `dapper agent` hands them.

#if canImport(Glibc)
import Glibc
#endif
import Dapper
import DapperCollector
import DapperWire
import DapperZipkinWire

/// A key of three letters or digits per index: the shortest distinct keys, so that 9 000 tags
/// fit in one datagram (about 7 bytes each on the wire).
func hostileKey(_ index: Int) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    let base = alphabet.count
    return String(decoding: [alphabet[index / (base * base) % base], alphabet[index / base % base], alphabet[index % base]], as: UTF8.self)
}

enum HostileShape: String {
    /// `count` tags, each with its own key and an empty value.
    case tags
    /// One log of `count` fields, each with its own key and an empty value.
    case logs
    /// `count` logs of one field each, all at one time: each with its own key and an empty value.
    case logEntries
}

/// The datagram of a span of the given shape, as a peer would send it.
func hostileDatagram(_ shape: HostileShape, count: Int) -> [UInt8] {
    var span = FinishedSpan(
        serviceName: "peer", operationName: "hostile", context: SpanContext(traceID: 1, spanID: 2),
        startTimeNanos: 1_000_000, durationNanos: 5_000)
    switch shape {
    case .tags:
        span.tags = SpanTags((0..<count).map { SpanTag(key: hostileKey($0), value: "") })
    case .logs:
        span.logs = [SpanLog(timestampNanos: 2_000_000, fields: SpanLogFields((0..<count).map { SpanLogField(key: hostileKey($0), value: "") }))]
    case .logEntries:
        span.logs = (0..<count).map { SpanLog(timestampNanos: 0, fields: [SpanLogField(key: hostileKey($0), value: "")]) }
    }
    do {
        let encoder = try SpanEncoder(maximumSize: SpanDecoder.defaultMaximumSize)
        return try encoder.withEncodedBytes(of: span) { bytes, encoding in
            guard encoding == SpanEncoding() else {
                print("the hostile span did not fit in one datagram: \(encoding)")
                exit(2)
            }
            return Array(bytes)
        }
    } catch {
        print("cannot encode the hostile span: \(error)")
        exit(2)
    }
}

/// The span the agent decodes from `hostileDatagram(shape, count:)`.
func hostileSpan(_ shape: HostileShape, count: Int) -> FinishedSpan {
    do {
        return try SpanDecoder().decode(hostileDatagram(shape, count: count))
    } catch {
        print("cannot decode the hostile datagram: \(error)")
        exit(2)
    }
}

/// The number of tags or fields of the hostile loops: `HOSTILE_SIZE`, 9 000 by default.
func hostileSize() -> Int {
    guard let text = getenv("HOSTILE_SIZE"), let size = Int(String(cString: text)), size > 0 else { return 9_000 }
    return size
}

/// The number of logs of the `logEntries` shape: `HOSTILE_LOGS`, 6 000 by default.
func hostileLogCount() -> Int {
    guard let text = getenv("HOSTILE_LOGS"), let count = Int(String(cString: text)), count > 0 else { return 7_000 }
    return count
}

/// Seconds on the monotonic clock (shared with the scaling probe).
func seconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Decodes each hostile datagram of `hostileSize()` tags, fields or logs (at most
/// `HOSTILE_LOGS`, 7 000 by default, logs: more do not fit in a datagram) and prints how long each
/// encoder takes per span (the best of `rounds`), as `dapper agent --output zipkin-json` and
/// the `--zipkin` forwarder spend it.
func timeHostileSpans(rounds: Int) {
    let size = hostileSize()
    for shape in [HostileShape.tags, .logs, .logEntries] {
        let count = shape == .logEntries ? min(size, hostileLogCount()) : size
        let datagram = hostileDatagram(shape, count: count)
        let span = hostileSpan(shape, count: count)
        let batch = [span]
        var json: [UInt8] = []
        var bestJSON = Double.infinity
        var bestProto = Double.infinity
        let proto = ZipkinProtoEncoder()
        var length = 0
        for _ in 0..<rounds {
            json.removeAll(keepingCapacity: true)
            var start = seconds()
            ZipkinJSONEncoder().append(span, to: &json)
            bestJSON = min(bestJSON, seconds() - start)
            start = seconds()
            length = proto.withEncodedList(batch) { $0.count }
            bestProto = min(bestProto, seconds() - start)
        }
        print(
            "\(count) distinct \(shape == .tags ? "tags" : shape == .logs ? "log fields" : "one-field logs"), datagram \(datagram.count) bytes: "
                + "zipkin-json \(bestJSON * 1e3) ms (\(json.count) bytes), zipkin-proto \(bestProto * 1e3) ms (\(length) bytes)"
        )
    }
}
