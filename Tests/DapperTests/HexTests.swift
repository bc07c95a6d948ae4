@testable import Dapper
import Testing

/// The one hex reader and writer agrees with the standard library's radix-16 text.
@Suite struct HexTests {
    static let values: [UInt64] = [0, 1, 0xf, 0x10, 0xabc, 0x7b2a_1c3d_4e5f_6000, UInt64.max, 1 << 63]

    @Test(arguments: values)
    func sixteenDigitsAreTheValueZeroPaddedInLowerCase(_ value: UInt64) {
        let expected = String(repeating: "0", count: 16 - String(value, radix: 16).count) + String(value, radix: 16)
        #expect(Hex.string16(value) == expected)
        #expect(Hex.parse(expected.utf8, length: 16) == value)
        #expect(Hex.parse(expected.uppercased().utf8, length: 16) == value)
    }

    @Test(arguments: values)
    func trimmedDigitsHaveNoLeadingZeros(_ value: UInt64) {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { buffer in
            Hex.writeTrimmed(value, to: buffer.baseAddress!) - buffer.baseAddress!
        }
        #expect(String(decoding: buffer[..<count], as: UTF8.self) == String(value, radix: 16))
    }

    @Test func parsingRefusesTheWrongLengthOtherBytesAndUpperCaseWhereLowerIsRequired() {
        #expect(Hex.parse("abc".utf8, length: 4) == nil)
        #expect(Hex.parse("abcg".utf8, length: 4) == nil)
        #expect(Hex.parse("AB".utf8, length: 2, lowerCaseOnly: true) == nil)
        #expect(Hex.parse("ab".utf8, length: 2, lowerCaseOnly: true) == 0xab)
        #expect(Hex.parse(String(repeating: "f", count: 17).utf8, length: 17) == nil)
    }

    @Test func everyByteHasTheDigitValueOfItsCharacterOrNone() {
        for byte in UInt8.min...UInt8.max {
            let expected = UInt8(String(UnicodeScalar(byte)), radix: 16) ?? 0xFF
            #expect(Hex.digitValue(byte) == expected, "\(byte)")
        }
        #expect((0..<16).map { Hex.digit(UInt8($0)) } == Array("0123456789abcdef".utf8))
    }
}
