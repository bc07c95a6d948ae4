@testable import DapperCollector
import Testing

@Suite struct DelimitedReaderTests {
    private func frame(_ payload: [UInt8]) -> [UInt8] {
        var length = UInt64(payload.count)
        var prefix: [UInt8] = []
        while length >= 0x80 {
            prefix.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        prefix.append(UInt8(length))
        return prefix + payload
    }

    private func read(_ stream: [UInt8], chunk: Int, maximum: Int = 1 << 20) -> ([[UInt8]], skipped: [Int], invalid: Int, partial: Bool) {
        var reader = DelimitedReader(maximumFrame: maximum)
        var messages: [[UInt8]] = []
        var skipped: [Int] = []
        var invalid = 0
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + chunk)
            Array(stream[offset..<end]).withUnsafeBytes { bytes in
                reader.consume(bytes) { frame in
                    switch frame {
                    case .message(let message): messages.append(Array(message))
                    case .skipped(let length): skipped.append(length)
                    case .invalidLength: invalid += 1
                    }
                }
            }
            offset = end
        }
        return (messages, skipped, invalid, reader.endsInsideFrame)
    }

    @Test func framesSplitAcrossAnyChunkSizeComeOutWhole() {
        let payloads: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 7, count: 300), [9], Array(repeating: 5, count: 20_000)]
        let stream = payloads.flatMap(frame)
        for chunk in [1, 2, 3, 7, 64, 299, 300, 301, 4096, stream.count] {
            let result = read(stream, chunk: chunk)
            #expect(result.0 == payloads, "chunk size \(chunk)")
            #expect(!result.partial)
        }
    }

    @Test func framesOverTheLimitAreSkippedAndTheStreamContinues() {
        let stream = frame([1]) + frame(Array(repeating: 2, count: 1000)) + frame([3])
        for chunk in [1, 10, 500, stream.count] {
            let result = read(stream, chunk: chunk, maximum: 100)
            #expect(result.0 == [[1], [3]], "chunk size \(chunk)")
            #expect(result.skipped == [1000])
        }
    }

    @Test func aLengthPrefixLongerThanTenBytesIsInvalid() {
        let result = read([UInt8](repeating: 0xff, count: 11) + [1], chunk: 4)
        #expect(result.invalid == 1)
    }

    @Test func aSkippedFrameCutShortIsNotReportedAgainWhenTheStreamEnds() {
        let result = read(Array(frame(Array(repeating: 2, count: 1000)).prefix(50)), chunk: 7, maximum: 100)
        #expect(result.skipped == [1000])
        #expect(!result.partial)
    }

    @Test func aStreamEndingInsideAFrameIsPartial() {
        let result = read(Array(frame([1, 2, 3]).dropLast()), chunk: 1)
        #expect(result.0.isEmpty)
        #expect(result.partial)
    }
}
