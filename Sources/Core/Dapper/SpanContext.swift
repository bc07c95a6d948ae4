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
    /// The only allocation is the returned string's own storage. To write the text without
    /// it, into a header block or a stack buffer, use ``withText(_:)`` or ``write(into:)``.
    public var description: String {
        String(unsafeUninitializedCapacity: Self.maximumTextLength) { buffer in
            guard let start = buffer.baseAddress else { return 0 }
            return writeText(to: UnsafeMutableRawPointer(start))
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

    /// Parses `bytes`: the common form (every field 1 to 16 digits) 8 bytes at a time, and
    /// anything else (leading zeros beyond 16 digits, a malformed field, too few fields) with
    /// the general parser, which decides each error.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<SpanContext, SpanContextParseError> {
        guard let base = bytes.baseAddress,
            let fields = parseFull(UnsafeRawPointer(base), count: bytes.count)
                ?? parseCommon(UnsafeRawPointer(base), count: bytes.count)
        else {
            return parseGeneral(bytes)
        }
        return makeParsed(fields)
    }

    /// The fields of the full form, three 16-digit fields and flags of 1 or 2 digits: a
    /// child's context from any peer, whose random IDs have 16 digits 15 times in 16. Fixed
    /// places for the colons and the words spare the common form's search for each field's
    /// end; `nil` for anything else.
    @inline(__always)
    private static func parseFull(_ raw: UnsafeRawPointer, count: Int) -> (UInt64, UInt64, UInt64, UInt64)? {
        let colon = UInt8(ascii: ":")
        guard count == 52 || count == 53,
            raw.load(fromByteOffset: 16, as: UInt8.self) == colon,
            raw.load(fromByteOffset: 33, as: UInt8.self) == colon,
            raw.load(fromByteOffset: 50, as: UInt8.self) == colon
        else { return nil }
        @inline(__always) func word(_ offset: Int) -> UInt64 {
            raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
        }
        let words = (word(0), word(8), word(17), word(25), word(34), word(42))
        // The flags' 1 or 2 digits are the top bytes of the input's last 8; the bytes below
        // them (the parent's last digits and the colon) become leading zeros.
        let last = word(count - 8)
        let flagsBytes = ~(UInt64.max >> UInt64(8 * (count - 51)))
        let nonDigits =
            Hex.nonDigitMask8(words.0) | Hex.nonDigitMask8(words.1) | Hex.nonDigitMask8(words.2)
            | Hex.nonDigitMask8(words.3) | Hex.nonDigitMask8(words.4) | Hex.nonDigitMask8(words.5)
            | Hex.nonDigitMask8(last) & flagsBytes
        guard nonDigits == 0 else { return nil }
        let flagsWord = last & flagsBytes
        return (
            Hex.value8(words.0) << 32 | Hex.value8(words.1),
            Hex.value8(words.2) << 32 | Hex.value8(words.3),
            Hex.value8(words.4) << 32 | Hex.value8(words.5),
            Hex.value8(flagsWord)
        )
    }

    /// The fields of the common form, or `nil` for any input the general parser must decide.
    /// A field of 1 to 16 digits that ends at a `:` (or at the end, for the fourth) has the
    /// same value in both parsers, so where this answers the answers agree.
    @inline(__always)
    private static func parseCommon(_ raw: UnsafeRawPointer, count: Int) -> (UInt64, UInt64, UInt64, UInt64)? {
        // Each field reads 8 bytes at once, and needs 8 bytes of input to read them from.
        guard count >= 8 else { return nil }
        var offset = 0
        guard let traceID = commonField(raw, count: count, offset: &offset, isLast: false),
            let spanID = commonField(raw, count: count, offset: &offset, isLast: false),
            let parentID = commonField(raw, count: count, offset: &offset, isLast: false),
            let flags = commonField(raw, count: count, offset: &offset, isLast: true)
        else { return nil }
        return (traceID, spanID, parentID, flags)
    }

    /// The value of the field at `offset`, 1 to 16 hex digits followed by `:` (or by the end
    /// of the input when `isLast`), moving `offset` past the `:`; `nil` for any other field.
    @inline(__always)
    private static func commonField(
        _ raw: UnsafeRawPointer, count: Int, offset: inout Int, isLast: Bool
    ) -> UInt64? {
        // The next 8 bytes, the first in the lowest byte, without reading past the end: near
        // the end, the input's last 8 bytes shifted down, which fills the bytes beyond the end
        // with 0, no digit. `>>` (not `&>>`) makes a shift by 64 give 0.
        @inline(__always) func word(at position: Int) -> UInt64 {
            let remaining = count - position
            if remaining >= 8 { return raw.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian }
            return raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self).littleEndian >> UInt64(8 * (8 - remaining))
        }
        let first = word(at: offset)
        let firstMask = Hex.nonDigitMask8(first)
        let length: Int
        let value: UInt64
        if firstMask != 0 {
            length = firstMask.trailingZeroBitCount >> 3
            guard length > 0 else { return nil }
            // Shifting the digits up puts zero bytes, leading zeros, before them and drops
            // the bytes after the field.
            value = Hex.value8(first << UInt64(8 * (8 - length)))
        } else {
            let second = word(at: offset + 8)
            let secondMask = Hex.nonDigitMask8(second)
            let more = secondMask == 0 ? 8 : secondMask.trailingZeroBitCount >> 3
            length = 8 + more
            value = Hex.value8(first) << UInt64(4 * more) | Hex.value8(second << UInt64(8 * (8 - more)))
        }
        let next = offset + length
        if next == count {
            guard isLast else { return nil }
        } else {
            // A 17th digit (leading zeros, or overflow) or any other byte goes to the general parser.
            guard raw.load(fromByteOffset: next, as: UInt8.self) == UInt8(ascii: ":") else { return nil }
        }
        offset = next + 1
        return value
    }

    private static func makeParsed(_ fields: (UInt64, UInt64, UInt64, UInt64)) -> Result<SpanContext, SpanContextParseError> {
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

    /// The parser for every input, a byte at a time: the reference for which inputs are
    /// accepted and which error each rejected one gets (and the tests' oracle for the fast path).
    static func parseGeneral(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<SpanContext, SpanContextParseError> {
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
        return makeParsed(fields)
    }
}

// MARK: - Text form without a String

extension SpanContext {
    /// The length of the longest text form, in bytes: three 16-digit identifiers, two flag
    /// digits and three separators. A buffer of this size holds any context's text.
    public static var maximumTextLength: Int { 3 * 16 + 2 + 3 }

    /// The length of this context's text form, in bytes, computed without writing it (to size
    /// a buffer exactly, or to reserve room in a header block).
    public var textLength: Int {
        Hex.trimmedLength(traceID) + Hex.trimmedLength(spanID) + Hex.trimmedLength(parentID)
            + (flags.rawValue > 0xF ? 2 : 1) + 3
    }

    /// Calls `body` with the text form (the bytes of ``description``) in a buffer on the
    /// stack, and returns what it returns.
    ///
    /// Injecting into a carrier that stores bytes (an HTTP/2 header block, a gRPC metadata
    /// buffer) needs the text only long enough to copy it: this writes it without allocating,
    /// where ``description`` allocates the string's storage. The buffer is valid only during
    /// `body`.
    ///
    /// ```swift
    /// context.withText { bytes in headerBlock.append(contentsOf: bytes) }
    /// ```
    @inlinable
    public func withText<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeTemporaryAllocation(byteCount: Self.maximumTextLength, alignment: 8) { buffer throws(E) in
            guard let start = buffer.baseAddress else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            return try body(UnsafeRawBufferPointer(start: start, count: writeText(to: start)))
        }
    }

    /// Writes the context's text under `kratos-trace-id` (``Propagation/kratosTraceIDKey``)
    /// through ``Carrier/set(_:ascii:)``, from a buffer on the stack.
    ///
    /// A carrier that stores bytes takes the text without any allocation; one that stores
    /// strings (``HTTPHeadersCarrier``, ``DictionaryCarrier``) makes the one `String` it keeps,
    /// as injecting ``description`` would.
    public func inject(into carrier: inout some Carrier) {
        withText { text in carrier.set(Propagation.kratosTraceIDKey, ascii: text) }
    }

    /// Writes the text form (the bytes of ``description``) at the start of `buffer`, without
    /// allocating; returns its length, or `nil`, writing nothing, when it does not fit.
    ///
    /// For a caller that owns the storage the text ends up in (a header block, a frame being
    /// encoded): the text is written once, where it is needed. With a buffer of at least
    /// ``maximumTextLength`` bytes the writer stores whole 8-byte words, and may overwrite
    /// bytes after the text up to ``maximumTextLength``; with a smaller one (at least
    /// ``textLength`` bytes) it writes only the text's bytes, at the cost of a copy.
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let start = buffer.baseAddress else { return nil }
        if buffer.count >= Self.maximumTextLength { return writeText(to: start) }
        let length = textLength
        guard length <= buffer.count else { return nil }
        withText { text in buffer.copyMemory(from: text) }
        return length
    }

    /// Writes the text form at `start`, which has room for ``maximumTextLength`` bytes, and
    /// returns its length. Every store stays within those bytes: each identifier's 16-byte
    /// store begins at most 34 bytes in, and the flags' 2-byte store at most 51.
    @usableFromInline
    func writeText(to start: UnsafeMutableRawPointer) -> Int {
        var position = Hex.writeTrimmed(traceID, to: start)
        position.storeBytes(of: UInt8(ascii: ":"), as: UInt8.self)
        position = Hex.writeTrimmed(spanID, to: position + 1)
        position.storeBytes(of: UInt8(ascii: ":"), as: UInt8.self)
        position = Hex.writeTrimmed(parentID, to: position + 1)
        position.storeBytes(of: UInt8(ascii: ":"), as: UInt8.self)
        // The flags' one or two digits in one 2-byte store (the second byte is scratch for one
        // digit), not a 16-byte one: that is what keeps the text within its 53 bytes.
        let flags = flags.rawValue
        let wide = flags > 0xF
        let pair = UInt16(Hex.digit(flags >> 4)) | UInt16(Hex.digit(flags)) << 8
        (position + 1).storeBytes(of: (wide ? pair : pair >> 8).littleEndian, as: UInt16.self)
        return position + (wide ? 3 : 2) - start
    }
}
