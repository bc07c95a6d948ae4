import Dapper
import Testing

/// Compatibility §4: a log entry is a timestamp and key/value string fields, in order.
@Suite struct SpanLogTests {
    static func field(_ index: Int) -> SpanLogField { SpanLogField(key: "k\(index)", value: "v\(index)") }

    @Test(arguments: 0...5)
    func logFieldsKeepEveryFieldInOrder(_ count: Int) {
        let fields = (0..<count).map(Self.field)
        let log = SpanLogFields(fields)
        #expect(log.count == count)
        #expect(Array(log) == fields)
    }

    @Test func convenienceInitialisersMatchTheSequenceInitialiser() {
        #expect(SpanLogFields(Self.field(0)) == SpanLogFields([Self.field(0)]))
        #expect(SpanLogFields(Self.field(0), Self.field(1)) == SpanLogFields([Self.field(0), Self.field(1)]))
        let literal: SpanLogFields = [Self.field(0), Self.field(1), Self.field(2)]
        #expect(Array(literal) == [Self.field(0), Self.field(1), Self.field(2)])
    }

    @Test func logFieldsCompareAndHashByContent() {
        let two = SpanLogFields(Self.field(0), Self.field(1))
        let many = SpanLogFields([Self.field(0), Self.field(1)])
        #expect(two == many)
        #expect(two.hashValue == many.hashValue)
        #expect(two != SpanLogFields([Self.field(1), Self.field(0)]))
        #expect(SpanLogFields([]) == SpanLogFields([SpanLogField]()))
    }

    @Test func logEntryKeepsItsTimestampAndFields() {
        let log = SpanLog(timestampNanos: 1_700_000_000_123_456_789, fields: [Self.field(0)])
        #expect(log.timestampNanos == 1_700_000_000_123_456_789)
        #expect(Array(log.fields) == [Self.field(0)])
    }
}
