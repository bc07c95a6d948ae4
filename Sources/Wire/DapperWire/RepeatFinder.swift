import Dapper

/// Finds the tags (and, for Zipkin, the log fields) an encoder leaves out as repeats, in time
/// linear in their number, through a hash table of their positions.
///
/// Comparing each tag with every later one, and each log field with every earlier one, is the
/// fastest way for the few of a typical span, and needs no memory; for a span from a peer with
/// thousands of them it takes millions of comparisons (a tenth of a second for one datagram in
/// a release build, seconds in a debug one). So the encoders scan spans of up to
/// ``linearScanLimit`` tags or fields, and use this table above.
///
/// The hash is Swift's `Hasher`, seeded per process: a peer cannot pick keys that collide, as
/// it could with a fixed hash such as FNV, and turn the table back into a scan. And `String`'s
/// hash agrees with its `==` (canonical equivalence), the comparison the scans make.
///
/// The table's storage is kept between spans: an owner that reuses a finder allocates only for
/// a span with more tags or fields than any before it. An encoder holds it as an optional that
/// stays `nil` until a span needs it, so that a typical span pays nothing for it.
@usableFromInline
package struct RepeatFinder {
    /// The largest number of tags, or of log fields, that a span's encoder compares pairwise.
    @usableFromInline
    package static let linearScanLimit = 32

    /// A recorded item: its hash and position (for a tag its index; for a log field the
    /// log's index and the field's). `first` is negative in an empty slot.
    private struct Slot {
        var hash: Int
        var first: Int
        var second: Int

        static let empty = Slot(hash: 0, first: -1, second: 0)
    }

    private var slots: [Slot] = []
    /// The used part of `slots` less one: a power of two less one.
    private var mask = 0
    /// For each item of the last ``markLastOfEachKey(count:skipping:_:)``, whether it is sent.
    private var sent: [Bool] = []

    /// An empty finder; it allocates on first use.
    package init() {}

    /// Empties the table, with room for `count` items at a load of at most one half.
    package mutating func reset(for count: Int) {
        var capacity = 64
        while capacity < 2 * count { capacity *= 2 }
        if slots.count < capacity {
            slots = Array(repeating: .empty, count: capacity)
        } else {
            slots.withUnsafeMutableBufferPointer { $0[..<capacity].update(repeating: .empty) }
        }
        mask = capacity - 1
    }

    /// Records the item at `position` unless an equal one is recorded already; returns whether
    /// it was new. `isEqual` is asked only about recorded items of the same hash.
    package mutating func insert(_ hash: Int, _ first: Int, _ second: Int, isEqual: (Int, Int) -> Bool) -> Bool {
        let mask = mask
        return slots.withUnsafeMutableBufferPointer { slots in
            var index = hash & mask
            while true {
                let slot = slots[index]
                if slot.first < 0 {
                    slots[index] = Slot(hash: hash, first: first, second: second)
                    return true
                }
                if slot.hash == hash, isEqual(slot.first, slot.second) { return false }
                index = (index + 1) & mask
            }
        }
    }

    // MARK: Tags

    /// Works out which of `count` tags (`tag(index)`) are sent: every tag but `span.kind` and
    /// those whose key a later tag sets again. Ask with ``isSent(_:)``.
    ///
    /// Keys are equal as ``SpanTags/forEachUnique(count:_:repeats:_:)``'s scan has them: the
    /// same number of UTF-8 bytes and equal as strings.
    package mutating func markLastTagOfEachKey(count: Int, _ tag: (Int) -> UnsafePointer<SpanTag>) {
        markLastOfEachKey(count: count, skipping: SpanTagKey.spanKind) { tag($0).pointee.key }
    }

    /// Works out which of `count` keyed items (`key(index)`) are sent: every one but those
    /// keyed `skipped` (if any) and those whose key a later item has again. Ask with
    /// ``isSent(_:)``.
    package mutating func markLastOfEachKey(count: Int, skipping skipped: String?, _ key: (Int) -> String) {
        reset(for: count)
        if sent.count < count { sent = Array(repeating: false, count: count) }
        let skippedLength = skipped?.utf8.count ?? -1
        // From the last item back: the first time a key is seen is its last value.
        for index in stride(from: count - 1, through: 0, by: -1) {
            let current = key(index)
            let length = current.utf8.count
            if length == skippedLength, let skipped, current == skipped {
                sent[index] = false
                continue
            }
            var hasher = Hasher()
            hasher.combine(length)
            hasher.combine(current)
            let isNew = insert(hasher.finalize(), index, 0) { later, _ in
                let other = key(later)
                return other.utf8.count == length && other == current
            }
            sent[index] = isNew
        }
    }

    /// Whether the item at `index` is sent, after ``markLastTagOfEachKey(count:_:)`` or
    /// ``markLastOfEachKey(count:skipping:_:)``.
    package func isSent(_ index: Int) -> Bool { sent[index] }
}
