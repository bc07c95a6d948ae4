import Dapper

/// The shared tag prefix (a tracer's default tags and `span.kind`) an encoder has encoded
/// ahead of the spans that carry it: most spans of a process share one prefix, so encoding it
/// once takes its strings' copies, or its rendering, off every span. The encoder keeps its
/// encoding of the prefix; this says whether a span's prefix is that one, and which keys the
/// prefix sets.
///
/// A prefix is known by its identity (`SpanTags.sharedIdentity`: the tracer and kind, the same in
/// every thread's copy of the prefix) or, for a prefix without one, by its array's buffer.
/// Holding the array keeps that buffer alive and unchanged (copy on write), which makes its
/// address and count a sound identity; comparing the tags instead would cost as much as
/// encoding them.
// SPI rather than `package`, though only this package's encoders use it: the Zipkin encoders
// run the checks below once per span from another module, and this compiler inlines an
// `@inlinable` body across modules only for a public declaration. Called instead, the checks
// cost zipkin-proto about 150 instructions a span (2 %, Benchmarks/instruction-counts.sh).
@_spi(WireEncoders) public struct SharedTagPrefix {
    // Not private, for the inlined checks.
    @usableFromInline var tags: [SpanTag] = []
    /// The cached prefix's `SpanTags.sharedIdentity`; 0 when it has none.
    @usableFromInline var identity: UInt64 = 0
    @usableFromInline var keys: [String] = []
    /// Bit `n` is set when a prefix key is `n` bytes long (`n` < 64; bit 63 for longer keys),
    /// so that most keys of a span's own tags are told apart from the prefix keys without
    /// comparing them.
    @usableFromInline var keyLengths: UInt64 = 0

    /// Nothing cached.
    public init() {}

    /// How many tags the cached prefix has; 0 when nothing is cached.
    public var count: Int { tags.count }

    /// Makes `shared`, the shared prefix of `spanTags` as `SpanTags.withBuffers` lends it, of
    /// `identity` (`spanTags.sharedIdentity`, passed so that the tags need not be copied), the
    /// cached prefix unless it is already, and returns whether it is. For a new prefix `encode`
    /// is called with it: it encodes the prefix and returns `true`, or returns `false` to keep
    /// the encoding it has (the span then takes the encoder's full path).
    @inlinable @inline(__always) @discardableResult
    public mutating func update(
        to shared: UnsafeBufferPointer<SpanTag>, identity: UInt64, of spanTags: @autoclosure () -> SpanTags,
        encode: ([SpanTag]) -> Bool
    ) -> Bool {
        if identity != 0 ? identity == self.identity : tags.withUnsafeBufferPointer({ $0.baseAddress == shared.baseAddress && $0.count == shared.count }) {
            return true
        }
        // Only now: copying the span's tags out costs a retain and a release per array.
        return refill(spanTags(), encode: encode)
    }

    // Out of line: a new prefix is rare, and its work would only swell every caller.
    @usableFromInline mutating func refill(_ spanTags: SpanTags, encode: ([SpanTag]) -> Bool) -> Bool {
        let prefix = spanTags.sharedPrefix
        guard encode(prefix) else { return false }
        tags = prefix
        identity = spanTags.sharedIdentity
        keys = prefix.map(\.key)
        keyLengths = keys.reduce(0) { $0 | Self.lengthBit($1.utf8.count) }
        return true
    }

    /// Forgets the cached prefix, once the encoder has overwritten its encoding.
    public mutating func clear() {
        tags = []
        identity = 0
        keys = []
        keyLengths = 0
    }

    /// Whether one of `own`, a span's own tags, sets a key of the cached prefix again: then the
    /// span needs the last-value rule over all of its tags, which the cached encoding skips.
    @inlinable @inline(__always)
    public func isOverridden(by own: UnsafeBufferPointer<SpanTag>) -> Bool {
        for index in own.indices {
            let key = own[index].key
            let length = key.utf8.count
            guard keyLengths & Self.lengthBit(length) != 0 else { continue }
            if keys.contains(where: { $0.utf8.count == length && $0 == key }) { return true }
        }
        return false
    }

    @inlinable static func lengthBit(_ length: Int) -> UInt64 { 1 << UInt64(min(length, 63)) }
}
