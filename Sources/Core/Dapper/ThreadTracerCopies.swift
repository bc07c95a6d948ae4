/// A thread's own copies of what every span of a tracer shares: its service name and its tag
/// prefixes (default tags and `span.kind`), which each `FinishedSpan` holds.
///
/// Holding the tracer's own arrays and string would retain them once per span from every
/// thread, and a reference count that several cores write bounces its cache line between
/// them: with it, two threads finishing spans ran at 1.3 times one thread, without it at 1.95
/// (BENCHMARKS.md, "Scaling"). A thread's copies are its own allocations, so the retains stay
/// on the thread. The copies keep the tracer's prefix identities, so that encoders still
/// recognise a prefix they have encoded whatever thread's copy a span carries.
struct ThreadTracerCopies {
    struct Entry {
        /// `DapperTracer.serial`: unlike the tracer's address, never reused by a later tracer.
        let tracerSerial: UInt64
        let serviceName: String
        /// Indexed by `SpanKind.rawValue`.
        let sharedTags: [[SpanTag]]
    }

    /// The copies of the tracers this thread finished spans of most recently.
    private var entries: [Entry] = []
    private var nextEviction = 0
    /// A process has few tracers at a time; a new one takes the place of the entry made
    /// longest ago (a tracer that is gone, as a rule). A thread that cycles through more live
    /// tracers than this copies anew on their finishes: correct, only slower.
    static let capacity = 8

    /// This thread's copies of `tracer`'s service name and of its tag prefix for `kind`, made
    /// on the tracer's first span on this thread.
    @inline(__always)
    mutating func copies(of tracer: DapperTracer, kind: SpanKind) -> (serviceName: String, sharedTags: [SpanTag]) {
        var index = 0
        while index < entries.count, entries[index].tracerSerial != tracer.serial { index += 1 }
        if index == entries.count { index = add(tracer) }
        return (entries[index].serviceName, entries[index].sharedTags[kind.rawValue])
    }

    /// Copies `tracer`'s values; returns the index of their entry.
    @inline(never)
    private mutating func add(_ tracer: DapperTracer) -> Int {
        // Each default tag once: every kind's prefix starts with the same default tags.
        let defaults = tracer.defaultTags.map(Self.distinctCopy(of:))
        let sharedTags = SpanKind.allCases.map { kind in
            defaults + tracer.sharedTags(kind)[defaults.count...].map(Self.distinctCopy(of:))
        }
        let entry = Entry(
            tracerSerial: tracer.serial, serviceName: Self.distinctCopy(of: tracer.serviceName), sharedTags: sharedTags)
        guard entries.count == Self.capacity else {
            entries.append(entry)
            return entries.count - 1
        }
        let index = nextEviction
        entries[index] = entry
        nextEviction = (nextEviction + 1) % Self.capacity
        return index
    }

    /// A string with storage of its own: `String(_:)` and `map` share a native string's
    /// storage, whose reference count would again be written by every thread.
    static func distinctCopy(of string: String) -> String {
        var source = string
        return source.withUTF8 { utf8 in
            String(unsafeUninitializedCapacity: utf8.count) { buffer in
                _ = buffer.initialize(from: utf8)
                return utf8.count
            }
        }
    }

    static func distinctCopy(of tag: SpanTag) -> SpanTag {
        guard case .string(let value) = tag.value else { return SpanTag(key: distinctCopy(of: tag.key), value: tag.value) }
        return SpanTag(key: distinctCopy(of: tag.key), value: .string(distinctCopy(of: value)))
    }
}
