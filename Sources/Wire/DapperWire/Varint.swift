/// Protobuf's base-128 varints, written and read in one place: the length prefixes of the
/// agent's TCP frames (protobuf's delimited format) and of the messages the encoders nest.
package enum Varint {
    /// The most bytes a 64-bit varint takes.
    package static let maximumLength = 10

    /// The bytes `value` takes as a varint.
    @inlinable
    package static func size(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    /// Writes `value` at `target`, which has room for ``size(_:)`` bytes; returns that size.
    @inlinable
    @discardableResult
    package static func write(_ value: UInt64, to target: UnsafeMutableRawPointer) -> Int {
        var rest = value
        var written = 0
        while rest >= 0x80 {
            target.storeBytes(of: UInt8(truncatingIfNeeded: rest) | 0x80, toByteOffset: written, as: UInt8.self)
            rest >>= 7
            written += 1
        }
        target.storeBytes(of: UInt8(rest), toByteOffset: written, as: UInt8.self)
        return written + 1
    }

    /// What ``read(_:at:)`` found.
    package enum Reading: Equatable {
        /// A whole varint of `length` bytes.
        case value(UInt64, length: Int)
        /// The bytes end inside the varint: it continues in bytes not yet received.
        case incomplete
        /// More than ``maximumLength`` bytes: not a varint.
        case invalid
    }

    /// Reads the varint that starts at `offset` of `bytes`.
    package static func read(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Reading {
        var value: UInt64 = 0
        var cursor = offset
        while cursor < bytes.count {
            let length = cursor - offset
            guard length < maximumLength else { return .invalid }
            let byte = bytes[cursor]
            value |= UInt64(byte & 0x7f) << UInt64(7 * length)
            cursor += 1
            if byte & 0x80 == 0 { return .value(value, length: cursor - offset) }
        }
        return cursor - offset >= maximumLength ? .invalid : .incomplete
    }
}
