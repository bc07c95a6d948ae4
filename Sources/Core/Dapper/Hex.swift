/// Hexadecimal digits, read and written in one place: the span context text, the Zipkin
/// encoders' IDs, the B3 and W3C headers, log metadata and URL percent-escapes.
///
/// Writing converts 8 digits at a time without a loop or a branch per digit (SWAR): the
/// nibbles are spread one per byte, turned into ASCII with one add and one multiply, and
/// stored with one 8-byte store. Reading does the reverse for the span context text: one
/// 8-byte load, a mask of the bytes that are not digits, and three merging steps.
package enum Hex {
    /// The value of an ASCII hex digit of either case, or 0xFF for any other byte.
    @inlinable @inline(__always)
    package static func digitValue(_ byte: UInt8) -> UInt8 {
        let digit = byte &- UInt8(ascii: "0")
        if digit < 10 { return digit }
        let letter = (byte | 0x20) &- UInt8(ascii: "a")
        return letter < 6 ? letter &+ 10 : 0xFF
    }

    /// The lower-case ASCII digit of the low 4 bits of `nibble`.
    @inlinable @inline(__always)
    package static func digit(_ nibble: UInt8) -> UInt8 {
        let value = nibble & 0xf
        return value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value
    }

    /// Reads exactly `length` digits (at most 16); `nil` for another length or a byte that is
    /// not a digit (nor an upper-case one, with `lowerCaseOnly`).
    @inlinable
    package static func parse(_ bytes: some Collection<UInt8>, length: Int, lowerCaseOnly: Bool = false) -> UInt64? {
        guard bytes.count == length, length <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit = digitValue(byte)
            guard digit < 16, !(lowerCaseOnly && byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F")) else {
                return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// The number of digits of `value` without leading zeros (1 for 0), without a branch.
    @inlinable @inline(__always)
    package static func trimmedLength(_ value: UInt64) -> Int {
        // `| 1` makes 0 count as one digit and changes no other value's length.
        (67 - (value | 1).leadingZeroBitCount) >> 2
    }

    /// Writes `value` in lower case without leading zeros (one digit for 0); returns the
    /// position after it. It stores 16 bytes whatever the length: the caller leaves 16 bytes
    /// of room after the last value, and later values overwrite what lies beyond each one.
    @inlinable @inline(__always)
    package static func writeTrimmed(_ value: UInt64, to output: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        let digits = trimmedLength(value)
        write16(value << UInt64(64 - 4 * digits), to: output)
        return output + digits
    }

    /// Writes the 16 lower-case digits of `value`, zero-padded, into 16 bytes.
    @inlinable @inline(__always)
    package static func write16(_ value: UInt64, to output: UnsafeMutablePointer<UInt8>) {
        write16(value, to: UnsafeMutableRawPointer(output))
    }

    /// Writes the 16 lower-case digits of `value`, zero-padded, into 16 bytes of untyped memory.
    @inlinable @inline(__always)
    package static func write16(_ value: UInt64, to raw: UnsafeMutableRawPointer) {
        raw.storeBytes(of: ascii8(UInt32(truncatingIfNeeded: value >> 32)).bigEndian, as: UInt64.self)
        (raw + 8).storeBytes(of: ascii8(UInt32(truncatingIfNeeded: value)).bigEndian, as: UInt64.self)
    }

    // MARK: Reading 8 digits at a time

    /// 0x80 in each byte of `word` that is not an ASCII hex digit of either case, 0 in each
    /// byte that is one.
    ///
    /// Each range test is Bit Twiddling Hacks' `hasbetween` on the low 7 bits of every byte,
    /// which never carries or borrows across bytes, and a byte with its high bit set is no
    /// digit: a dozen operations for 8 bytes, against a compare and branch per byte.
    @inlinable @inline(__always)
    package static func nonDigitMask8(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low = word & (ones &* 0x7F)
        let highClear = ~word
        // '0' (0x30) ... '9' (0x39): the high bit of 127 + 0x3A - low is set for low < 0x3A, of
        // low + 127 - 0x2F for low > 0x2F.
        let digit = (ones &* (127 + 0x3A) &- low) & (low &+ ones &* (127 - 0x2F))
        // 'a' ... 'f' after setting the case bit, which folds 'A' ... 'F' onto them.
        let folded = low | (ones &* 0x20)
        let letter = (ones &* (127 + 0x67) &- folded) & (folded &+ ones &* (127 - 0x60))
        return ~((digit | letter) & highClear) & (ones &* 0x80)
    }

    /// The value of the 8 digits of `word` loaded little-endian, so that its lowest byte holds
    /// the first, most significant, digit. Every byte is a hex digit or 0 (which counts as a
    /// leading zero: shift a shorter number's bytes up to put zeros before it).
    @inlinable @inline(__always)
    package static func value8(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        // A digit's value is its low nibble, plus 9 for a letter (bit 6, set in 'A' and 'a').
        var value = (word & (ones &* 0x0F)) &+ ((word >> 6) & ones) &* 9
        // Merge neighbours: nibble pairs into bytes, byte pairs into 16 bits, then into 32.
        value = (value << 4 | value >> 8) & 0x00FF_00FF_00FF_00FF
        value = (value << 8 | value >> 16) & 0x0000_FFFF_0000_FFFF
        return (value << 16 | value >> 32) & 0xFFFF_FFFF
    }

    /// The 16 lower-case digits of `value`, zero-padded.
    @inlinable
    package static func string16(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            // Capacity 16 gives an allocation of at least 16 bytes, which write16 fills.
            guard let base = buffer.baseAddress else { return 0 }
            write16(value, to: base)
            return 16
        }
    }

    /// The 8 hex digits of `value` as ASCII bytes, the least significant digit in the lowest
    /// byte.
    @inlinable @inline(__always)
    static func ascii8(_ value: UInt32) -> UInt64 {
        var nibbles = UInt64(value)
        nibbles = (nibbles | nibbles << 16) & 0x0000_FFFF_0000_FFFF
        nibbles = (nibbles | nibbles << 8) & 0x00FF_00FF_00FF_00FF
        nibbles = (nibbles | nibbles << 4) & 0x0F0F_0F0F_0F0F_0F0F
        // Bytes of 10 or more get 39 more ('a' - '0' - 10).
        let letters = ((nibbles &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return nibbles &+ 0x3030_3030_3030_3030 &+ letters &* 39
    }
}
