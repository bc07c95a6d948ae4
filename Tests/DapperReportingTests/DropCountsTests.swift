import Dapper
import DapperReporting
import Testing

@Suite struct DropCountsTests {
    @Test func countsAddUpByReasonBeyondTheThreeHeldInline() {
        var counts = DropCounts()
        counts.add(.oversize)
        counts.add(.rejected, 3)
        counts.add(.oversize, 2)
        counts.add(.timeout)
        counts.add(.writeError, 4)
        counts.add(.encodingError, 0)
        #expect(counts[.oversize] == 3)
        #expect(counts[.rejected] == 3)
        #expect(counts[.timeout] == 1)
        #expect(counts[.writeError] == 4)
        #expect(counts[.encodingError] == 0)
        #expect(counts.total == 11)
        var seen: [DropReason: Int] = [:]
        counts.forEach { seen[$0] = $1 }
        #expect(seen == [.oversize: 3, .rejected: 3, .timeout: 1, .writeError: 4])
    }
}
