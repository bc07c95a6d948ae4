import Dapper
@_spi(WireEncoders) import DapperWire

/// A tracer's shared tags (default tags and `span.kind`) rendered once as Zipkin JSON tag
/// members, for a sender that encodes many spans of one tracer: pass the same cache to
/// ``ZipkinJSONEncoder/appendList(_:to:prefixCache:)`` call after call.
///
/// Not thread-safe: one cache per sending thread.
// SPI, not public: only the Zipkin exporter and the Benchmarks package (which cannot see
// `package` declarations) encode as a sending thread does; users encode with the plain calls.
@_spi(Benchmarks) public final class ZipkinTagPrefixCache {
    private var prefix = SharedTagPrefix()
    /// The prefix's tag members, without the braces.
    private var fragment: [UInt8] = []
    /// The table for a span with many tags, kept for the next such span. Only this class's
    /// methods touch it, one call at a time (the class is not Sendable), so the per-access
    /// exclusivity check would only cost time.
    @exclusivity(unchecked) private var repeats: RepeatFinder? = nil

    /// Creates an empty cache.
    public init() {}

    /// Writes the `tags` member of a span whose prefix is cacheable, and returns `true`;
    /// returns `false`, writing nothing, when the span has no shared prefix or sets one of its
    /// keys again (then the last-value rule needs the full path).
    func write(_ tags: SpanTags, to writer: inout JSONWriter, encoder: ZipkinJSONEncoder) -> Bool {
        tags.withBuffers { shared, own in
            guard !shared.isEmpty else { return false }
            prefix.update(to: shared, identity: tags.sharedIdentity, of: tags) { newPrefix in
                fill(newPrefix, encoder: encoder)
                return true
            }
            guard !prefix.isOverridden(by: own) else { return false }
            var first = true
            if !fragment.isEmpty {
                writer.literal(#","tags":{"#)
                fragment.withUnsafeBufferPointer { writer.raw($0) }
                first = false
            }
            SpanTags.forEachUnique(count: own.count, { own.baseAddress! + $0 }, repeats: &repeats) { tag in
                writer.literal(first ? #","tags":{"# : #","#)
                first = false
                encoder.writeTag(tag, to: &writer)
            }
            if !first { writer.byte(UInt8(ascii: "}")) }
            return true
        }
    }

    private func fill(_ prefix: [SpanTag], encoder: ZipkinJSONEncoder) {
        let bound = prefix.reduce(0) { total, tag in
            if case .string(let text) = tag.value { return total + 8 + 6 * (tag.key.utf8.count + text.utf8.count) }
            return total + 56 + 6 * tag.key.utf8.count
        }
        var bytes = [UInt8](repeating: 0, count: bound)
        let written = bytes.withUnsafeMutableBufferPointer { buffer in
            var writer = JSONWriter(buffer.baseAddress!)
            var first = true
            SpanTags(prefix).withUniqueTags(repeats: &repeats) { tag in
                if !first { writer.byte(UInt8(ascii: ",")) }
                first = false
                encoder.writeTag(tag, to: &writer)
            }
            return writer.count
        }
        bytes.removeLast(bound - written)
        fragment = bytes
    }
}
