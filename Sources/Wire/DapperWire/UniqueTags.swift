import Dapper

extension SpanTags {
    /// Calls `body` with each tag an encoder sends as a tag or attribute, read in place: every
    /// tag but `span.kind`, and of a key set more than once only its last value, where that
    /// value is (Zipkin's `tags` and OTLP's attributes are maps: one value per key).
    ///
    /// Inlinable, as the scan and `body` are the encoders' inner loop: from another module they
    /// would otherwise be a call and a closure per tag.
    @inlinable
    package func withUniqueTags(repeats: inout RepeatFinder?, _ body: (UnsafePointer<SpanTag>) -> Void) {
        withBuffers { shared, own in
            Self.forEachUnique(count: shared.count + own.count, { index in
                index < shared.count ? shared.baseAddress! + index : own.baseAddress! + (index - shared.count)
            }, repeats: &repeats, body)
        }
    }

    /// Calls `body` with each of `count` tags (`tag(index)`), in order, but `span.kind` and
    /// the earlier values of a repeated key. Up to ``RepeatFinder/linearScanLimit`` tags,
    /// by comparing each key with every later one; above, through `repeats`' table (made then
    /// if there is none).
    @inlinable
    package static func forEachUnique(
        count: Int, _ tag: (Int) -> UnsafePointer<SpanTag>, repeats: inout RepeatFinder?,
        _ body: (UnsafePointer<SpanTag>) -> Void
    ) {
        guard count <= RepeatFinder.linearScanLimit else {
            forEachUniqueInTable(count: count, tag, repeats: &repeats, body)
            return
        }
        for index in 0..<count {
            let current = tag(index)
            // Lengths first: they differ for nearly every pair of keys, and cost nothing.
            let length = current.pointee.key.utf8.count
            if length == 9, current.pointee.key == SpanTagKey.spanKind { continue }
            var repeated = false
            var later = index + 1
            while later < count {
                let other = tag(later)
                if other.pointee.key.utf8.count == length, other.pointee.key == current.pointee.key {
                    repeated = true
                    break
                }
                later += 1
            }
            if !repeated { body(current) }
        }
    }

    /// ``forEachUnique(count:_:repeats:_:)`` past the scan's limit: out of line, so that the
    /// typical span's code stays small.
    @inline(never)
    @usableFromInline
    static func forEachUniqueInTable(
        count: Int, _ tag: (Int) -> UnsafePointer<SpanTag>, repeats: inout RepeatFinder?,
        _ body: (UnsafePointer<SpanTag>) -> Void
    ) {
        // Moved out and back, so that the table is never copied.
        var table = repeats.take() ?? RepeatFinder()
        table.markLastTagOfEachKey(count: count, tag)
        for index in 0..<count where table.isSent(index) { body(tag(index)) }
        repeats = table
    }
}
