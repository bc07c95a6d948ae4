@testable import DapperWire
import Testing

/// The one varint reader and writer: what protobuf's base-128 encoding says.
@Suite struct VarintTests {
    static let values: [UInt64] = [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max >> 1, UInt64.max]

    @Test(arguments: values)
    func aValueReadsBackFromTheBytesWritten(_ value: UInt64) {
        var bytes = [UInt8](repeating: 0, count: Varint.maximumLength)
        let written = bytes.withUnsafeMutableBytes { Varint.write(value, to: $0.baseAddress!) }
        #expect(written == Varint.size(value))
        let reading = bytes.withUnsafeBytes { Varint.read(UnsafeRawBufferPointer(rebasing: $0[..<written]), at: 0) }
        #expect(reading == .value(value, length: written))
    }

    @Test func protobufsOwnExampleIsTwoBytes() {
        // 300 is AC 02 in the protocol buffers encoding guide.
        #expect(([0xAC, 0x02] as [UInt8]).withUnsafeBytes { Varint.read($0, at: 0) } == .value(300, length: 2))
        #expect(Varint.size(300) == 2)
    }

    @Test func aVarintCutShortIsIncompleteAndElevenBytesAreInvalid() {
        #expect(([0x80, 0x80] as [UInt8]).withUnsafeBytes { Varint.read($0, at: 0) } == .incomplete)
        #expect([UInt8](repeating: 0x80, count: 11).withUnsafeBytes { Varint.read($0, at: 0) } == .invalid)
        #expect(([UInt8](repeating: 0xFF, count: 9) + [0x01]).withUnsafeBytes { Varint.read($0, at: 0) } == .value(.max, length: 10))
    }
}
