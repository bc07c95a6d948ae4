/// The identity of a span within a trace, and the part of it that crosses process boundaries.
///
/// Its text form, `{traceID}:{spanID}:{parentID}:{flags}` in lower-case hex without padding,
/// is the value of the `kratos-trace-id` header that Kratos (Go) services send and accept:
///
/// ```swift
/// let context = try SpanContext(parsing: "3e8:7d0:0:1")
/// context.traceID      // 1000
/// context.isSampled    // true
/// context.description  // "3e8:7d0:0:1"
/// ```
///
/// ``level`` and ``probability`` are local: the text form does not carry them.
///
/// A trace ID is 64 bits in Kratos (Go) v1, and 128 bits in W3C Trace Context, B3 and
/// OpenTelemetry. ``traceID`` is the low 64 bits, the identifier `kratos-trace-id` and
/// `span.proto` carry; ``traceIDHigh`` is the high 64 bits, non-zero only for a trace that
/// came from a peer with a 128-bit ID, so that formats that carry 128 bits (`traceparent`, B3,
/// Zipkin, OTLP) write the peer's ID back whole.
public struct SpanContext: Sendable, Hashable {
    /// The trace every span of one request shares: the low 64 bits of its ID, all of it for a
    /// trace that began in Dapper or in Kratos v1. Never 0 in a context made or parsed here.
    public var traceID: UInt64
    /// This span's identifier. A root span's span ID equals its trace ID.
    public var spanID: UInt64
    /// The parent span's identifier, 0 for a root span.
    public var parentID: UInt64
    /// Bit ``Flags/sampled`` and bit ``Flags/debug``; other bits are carried as they came.
    public var flags: Flags
    /// The probability with which the trace was sampled (1 when sampled unconditionally,
    /// 0 when unknown, for example for a context that came from a peer).
    public var probability: Float
    /// The depth of the span in its trace within this process: a root is 1, its child 2.
    public var level: Int
    /// The high 64 bits of a 128-bit trace ID, 0 for a 64-bit one (every trace a Dapper tracer
    /// or a Kratos v1 service starts).
    ///
    /// Set from a peer's `traceparent` or 128-bit B3 header, and inherited by every span of the
    /// trace in this process. The text form (`kratos-trace-id`) and `span.proto` do not carry
    /// it: a Kratos v1 service downstream sees the low 64 bits, ``traceID``.
    public var traceIDHigh: UInt64

    /// Creates a context from its fields.
    public init(
        traceID: UInt64,
        traceIDHigh: UInt64 = 0,
        spanID: UInt64,
        parentID: UInt64 = 0,
        flags: Flags = [],
        probability: Float = 0,
        level: Int = 1
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentID = parentID
        self.flags = flags
        self.probability = probability
        self.level = level
        self.traceIDHigh = traceIDHigh
    }

    /// Whether the trace is sampled: its spans are recorded and reported.
    public var isSampled: Bool { flags.contains(.sampled) }

    /// Whether the trace was marked for debugging: its spans are recorded and reported
    /// whatever the sampler decided.
    public var isDebug: Bool { flags.contains(.debug) }

    /// The flags byte of a span context.
    public struct Flags: OptionSet, Sendable, Hashable {
        /// The byte as it is propagated.
        public var rawValue: UInt8

        /// Creates flags from the propagated byte.
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The trace is sampled (bit 0x01).
        public static let sampled = Flags(rawValue: 0x01)
        /// The trace is being debugged (bit 0x02).
        public static let debug = Flags(rawValue: 0x02)
    }
}

// MARK: - Text form

extension SpanContext {
    /// The context of a trace's root span (Compatibility §2): its span ID is the trace ID, it
    /// has no parent, and it is at level 1. Every way a trace starts (the tracer's `new`, the
    /// sampler's decision for an instrumentation API, a peer's decision without a trace) makes
    /// its root here.
    package static func root(traceID: UInt64, flags: Flags, probability: Float) -> SpanContext {
        SpanContext(traceID: traceID, spanID: traceID, parentID: 0, flags: flags, probability: probability, level: 1)
    }
}

extension SpanContext: CustomStringConvertible, LosslessStringConvertible {
    /// The propagated text form, `{traceID}:{spanID}:{parentID}:{flags}` in lower-case hex.
    /// ``traceIDHigh`` is not part of it: Kratos (Go) v1 reads 64-bit trace IDs.
    ///
    /// The only allocation is the returned string's own storage.
    public var description: String {
        // 3 × 16 hex digits + 2 flag digits + 3 separators, and room for the 16-byte stores of
        // `Hex.writeTrimmed`.
        String(unsafeUninitializedCapacity: 53 + 16) { buffer in
            guard let start = buffer.baseAddress else { return 0 }
            var position = Hex.writeTrimmed(traceID, to: start)
            position.pointee = UInt8(ascii: ":")
            position = Hex.writeTrimmed(spanID, to: position + 1)
            position.pointee = UInt8(ascii: ":")
            position = Hex.writeTrimmed(parentID, to: position + 1)
            position.pointee = UInt8(ascii: ":")
            position = Hex.writeTrimmed(UInt64(flags.rawValue), to: position + 1)
            return position - start
        }
    }

    /// Parses the text form; returns `nil` where ``init(parsing:)-(String)`` would throw.
    public init?(_ description: String) {
        guard let context = try? SpanContext(parsing: description) else { return nil }
        self = context
    }

    /// Parses the propagated text form, with the Go original's rules (Compatibility §1).
    ///
    /// - At least four `:`-separated fields; fields after the fourth are ignored.
    /// - Each of the first four is an unsigned 64-bit hex number, upper or lower case;
    ///   empty fields, signs, `0x`, white space and overflow are rejected.
    /// - `flags` keeps the low 8 bits of its number.
    /// - A trace ID or span ID of 0 is rejected (the original accepted it).
    ///
    /// The parsed context has ``level`` 0, ``probability`` 0 and ``traceIDHigh`` 0: none is
    /// propagated.
    ///
    /// - Throws: ``SpanContextParseError``; never crashes, whatever the bytes.
    public init(parsing text: String) throws(SpanContextParseError) {
        let parsed =
            text.utf8.withContiguousStorageIfAvailable { Self.parse($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { Self.parse($0) }
        switch parsed {
        case .success(let context): self = context
        case .failure(let error): throw error
        }
    }

    /// Parses the text form from raw bytes (for example a header value that is not valid UTF-8).
    public init(parsing bytes: some Collection<UInt8>) throws(SpanContextParseError) {
        let parsed =
            bytes.withContiguousStorageIfAvailable { Self.parse($0) }
            ?? Array(bytes).withUnsafeBufferPointer { Self.parse($0) }
        switch parsed {
        case .success(let context): self = context
        case .failure(let error): throw error
        }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<SpanContext, SpanContextParseError> {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .failure(.empty) }
        let end = base + bytes.count
        var cursor = base
        var fields: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for field in 0..<4 {
            let start = cursor
            // Leading zeros do not count towards the 16 digits that fit in 64 bits.
            while cursor < end && cursor.pointee == UInt8(ascii: "0") { cursor += 1 }
            let significant = cursor
            var value: UInt64 = 0
            while cursor < end {
                let nibble = Hex.digitValue(cursor.pointee)
                if nibble > 15 { break }
                value = value << 4 | UInt64(nibble)
                cursor += 1
            }
            if cursor - significant > 16 { return .failure(.invalidNumber(field: field)) }
            if cursor < end && cursor.pointee != UInt8(ascii: ":") { return .failure(.invalidNumber(field: field)) }
            if cursor == start {
                return .failure(cursor == end && field > 0 && start[-1] != UInt8(ascii: ":") ? .missingFields(found: field) : .invalidNumber(field: field))
            }
            switch field {
            case 0: fields.0 = value
            case 1: fields.1 = value
            case 2: fields.2 = value
            default: fields.3 = value
            }
            if field < 3 {
                guard cursor < end else { return .failure(.missingFields(found: field + 1)) }
                cursor += 1  // the ':'
            }
        }
        // The fourth field ends at the end or at a ':' that starts ignored extensions.
        if fields.0 == 0 || fields.1 == 0 { return .failure(.zeroID) }
        return .success(SpanContext(
            traceID: fields.0,
            spanID: fields.1,
            parentID: fields.2,
            flags: Flags(rawValue: UInt8(truncatingIfNeeded: fields.3)),
            probability: 0,
            level: 0
        ))
    }
}
