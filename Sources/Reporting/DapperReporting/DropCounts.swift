import Dapper

/// Spans dropped, by reason: three reasons are held inline, any further ones in a dictionary,
/// so that counting the usual drops of a batch allocates nothing.
public struct DropCounts: Sendable, Hashable {
    private var first: Entry?
    private var second: Entry?
    private var third: Entry?
    private var more: [DropReason: Int] = [:]

    private struct Entry: Sendable, Hashable {
        var reason: DropReason
        var count: Int
    }

    /// No drops.
    public init() {}

    /// Adds `count` drops for `reason`; counts of 0 or less are ignored.
    public mutating func add(_ reason: DropReason, _ count: Int = 1) {
        guard count > 0 else { return }
        if first == nil || first?.reason == reason {
            first = Entry(reason: reason, count: (first?.count ?? 0) + count)
        } else if second == nil || second?.reason == reason {
            second = Entry(reason: reason, count: (second?.count ?? 0) + count)
        } else if third == nil || third?.reason == reason {
            third = Entry(reason: reason, count: (third?.count ?? 0) + count)
        } else {
            more[reason, default: 0] += count
        }
    }

    /// Drops for `reason` so far.
    public subscript(reason: DropReason) -> Int {
        if let first, first.reason == reason { return first.count }
        if let second, second.reason == reason { return second.count }
        if let third, third.reason == reason { return third.count }
        return more[reason] ?? 0
    }

    /// Drops of all reasons together.
    public var total: Int {
        (first?.count ?? 0) + (second?.count ?? 0) + (third?.count ?? 0) + more.values.reduce(0, +)
    }

    /// Calls `body` for each reason and its count, without allocating.
    public func forEach(_ body: (DropReason, Int) -> Void) {
        if let first { body(first.reason, first.count) }
        if let second { body(second.reason, second.count) }
        if let third { body(third.reason, third.count) }
        for (reason, count) in more { body(reason, count) }
    }
}
