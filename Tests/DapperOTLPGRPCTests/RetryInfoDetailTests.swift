import DapperOTLPGRPC
import Testing

/// Reading RetryInfo out of `grpc-status-details-bin`, whatever the server put there.
@Suite struct RetryInfoDetailTests {
    static func status(_ details: [(typeURL: String, value: [UInt8])]) -> [UInt8] {
        StatusDetailsBytes.status(code: 8, message: "m", details: details)
    }

    @Test func retryInfoAmongOtherDetailsGivesItsDelay() {
        let bytes = Self.status([
            ("type.googleapis.com/google.rpc.DebugInfo", [0x12, 0x01, 0x61]),
            (StatusDetailsBytes.retryInfoTypeURL, StatusDetailsBytes.retryInfo(seconds: 1, nanos: 250_000_000)),
        ])
        #expect(RetryInfoDetail(statusDetails: bytes) == .present(retryDelay: .milliseconds(1250)))
    }

    @Test func retryInfoWithoutAUsableDelayIsPresentWithNone() {
        #expect(RetryInfoDetail(statusDetails: Self.status([(StatusDetailsBytes.retryInfoTypeURL, [])])) == .present(retryDelay: nil))
        for (seconds, nanos) in [(Int64(-1), Int32(0)), (0, -5), (0, 1_000_000_000), (0, 0), (Int64.max, 0)] {
            let bytes = Self.status([(StatusDetailsBytes.retryInfoTypeURL, StatusDetailsBytes.retryInfo(seconds: seconds, nanos: nanos))])
            #expect(RetryInfoDetail(statusDetails: bytes) == .present(retryDelay: nil), "\(seconds) s \(nanos) ns")
        }
    }

    @Test func malformedDetailsAreNoRetryInfo() {
        #expect(RetryInfoDetail(statusDetails: []) == .absent)
        #expect(RetryInfoDetail(statusDetails: [0xFF, 0xFF, 0xFF]) == .absent)
        #expect(RetryInfoDetail(statusDetails: Self.status([(StatusDetailsBytes.retryInfoTypeURL, [0x0A, 0x7F])])) == .absent)
        #expect(RetryInfoDetail(statusDetails: Self.status([("RetryInfo", StatusDetailsBytes.retryInfo(seconds: 1, nanos: 0))])) == .absent)
    }

    @Test func arbitraryBytesNeverCrash() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let valid = Self.status([(StatusDetailsBytes.retryInfoTypeURL, StatusDetailsBytes.retryInfo(seconds: 2, nanos: 5))])
        for round in 0..<2000 {
            var bytes = round % 2 == 0 ? valid : []
            let extra = Int(state % 64)
            for _ in 0..<extra {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                if bytes.isEmpty || state & 1 == 0 {
                    bytes.append(UInt8(truncatingIfNeeded: state >> 33))
                } else {
                    bytes[Int(state >> 40) % bytes.count] = UInt8(truncatingIfNeeded: state >> 24)
                }
            }
            _ = RetryInfoDetail(statusDetails: bytes)
        }
    }
}
