/// The tags of a span: the tracer's default tags and the `span.kind` tag, shared by the spans
/// of the tracer that one thread finishes, then the span's own tags.
///
/// A `RandomAccessCollection` of ``SpanTag``, in that order. Sharing the common prefix means
/// that starting a span copies no tags.
public struct SpanTags: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The prefix shared between spans.
    var shared: [SpanTag]
    /// The span's own tags.
    var own: [SpanTag]
    /// Which tracer's prefix of which kind `shared` is, whatever thread's copy of it this is;
    /// 0 when unknown (then only the array itself identifies the prefix). Encoders that keep
    /// the encoding of a prefix compare this.
    package private(set) var sharedIdentity: UInt64 = 0

    /// Creates tags from an array.
    public init(_ tags: [SpanTag]) {
        shared = []
        own = tags
    }

    /// Creates tags from a list.
    public init(arrayLiteral elements: SpanTag...) { self.init(elements) }

    init(shared: [SpanTag], identity: UInt64 = 0, own: [SpanTag]) {
        self.shared = shared
        self.sharedIdentity = identity
        self.own = own
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { shared.count + own.count }

    public subscript(position: Int) -> SpanTag {
        get { position < shared.count ? shared[position] : own[position - shared.count] }
        set {
            if position < shared.count {
                shared[position] = newValue
                // No longer the tracer's prefix.
                sharedIdentity = 0
            } else {
                own[position - shared.count] = newValue
            }
        }
    }

    /// Appends a tag.
    public mutating func append(_ tag: SpanTag) { own.append(tag) }

    /// The shared prefix (default tags and `span.kind`): for the spans of one tracer finished
    /// on one thread the same array, which, with ``sharedIdentity``, an encoder may recognise to
    /// reuse its encoding.
    package var sharedPrefix: [SpanTag] { shared }

    /// Calls `body` with the shared prefix and the span's own tags as two buffers, so that an
    /// encoder can read every tag in place, without copying (and retaining) each one.
    @usableFromInline
    package func withBuffers<Result>(
        _ body: (_ shared: UnsafeBufferPointer<SpanTag>, _ own: UnsafeBufferPointer<SpanTag>) throws -> Result
    ) rethrows -> Result {
        try shared.withUnsafeBufferPointer { shared in
            try own.withUnsafeBufferPointer { own in try body(shared, own) }
        }
    }

    public static func == (lhs: SpanTags, rhs: SpanTags) -> Bool { lhs.elementsEqual(rhs) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for tag in self { hasher.combine(tag) }
    }
}
