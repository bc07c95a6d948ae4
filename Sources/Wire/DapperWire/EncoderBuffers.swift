import CProtobufC

/// Preallocated protobuf-c message structs and the pointer array a repeated field points to.
///
/// Every slot is initialised once (descriptor and defaults) and then overwritten in place,
/// so encoding a span allocates nothing unless it has more elements than any span before.
package struct MessageArray<Message> {
    package private(set) var structs: UnsafeMutablePointer<Message>
    package private(set) var pointers: UnsafeMutablePointer<UnsafeMutablePointer<Message>?>
    private(set) var capacity: Int
    /// The element count last reserved.
    private(set) var reserved = 0
    private let initialize: (UnsafeMutablePointer<Message>) -> Void

    package init(capacity: Int, initialize: @escaping (UnsafeMutablePointer<Message>) -> Void) {
        self.initialize = initialize
        self.capacity = capacity
        structs = .allocate(capacity: capacity)
        pointers = .allocate(capacity: capacity)
        Self.prepare(structs, pointers, capacity, initialize)
    }

    /// Makes room for `count` elements. Growing discards the elements' contents; returns
    /// whether it did.
    @discardableResult
    package mutating func reserve(_ count: Int) -> Bool {
        reserved = count
        guard count > capacity else { return false }
        deallocate()
        capacity = max(count, capacity * 2)
        structs = .allocate(capacity: capacity)
        pointers = .allocate(capacity: capacity)
        Self.prepare(structs, pointers, capacity, initialize)
        return true
    }

    package func deallocate() {
        structs.deallocate()
        pointers.deallocate()
    }

    private static func prepare(
        _ structs: UnsafeMutablePointer<Message>,
        _ pointers: UnsafeMutablePointer<UnsafeMutablePointer<Message>?>,
        _ capacity: Int,
        _ initialize: (UnsafeMutablePointer<Message>) -> Void
    ) {
        for index in 0..<capacity {
            initialize(structs + index)
            (pointers + index).initialize(to: structs + index)
        }
    }
}

/// Bump storage for the bytes a message points to: copies of strings and encoded tag values.
///
/// Copies stay where they are until ``reset()``, so a message may point into the arena while
/// more is copied. When one span needs more than the arena holds, the extra goes to overflow
/// chunks, and the next reset replaces everything with one arena large enough.
package struct ByteArena {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private var offset = 0
    private var overflow: [UnsafeMutableRawPointer] = []
    /// Bytes handed out since the last reset.
    package private(set) var used = 0

    package init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    package mutating func reset() {
        if !overflow.isEmpty {
            for chunk in overflow { chunk.deallocate() }
            overflow.removeAll()
            base.deallocate()
            capacity = max(capacity * 2, used)
            base = .allocate(byteCount: capacity, alignment: 16)
        }
        offset = 0
        used = 0
    }

    package func deallocate() {
        for chunk in overflow { chunk.deallocate() }
        base.deallocate()
    }

    /// Room for `count` bytes, valid until the next reset.
    // Forced into each copy: the Zipkin proto3 encoder, in another module, calls the copies
    // out of line, once per string, and a further call to `take` in each cost about 100
    // instructions per span (`Benchmarks/instruction-counts.sh zipkin-proto`).
    @inline(__always)
    package mutating func take(_ count: Int) -> UnsafeMutableRawPointer {
        used += count
        if capacity - offset >= count {
            defer { offset += count }
            return base + offset
        }
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
        overflow.append(chunk)
        return chunk
    }

    /// Copies the UTF-8 bytes of the string at `string`, read in place (no retain).
    package mutating func copy(_ string: UnsafePointer<String>) -> ProtobufCBinaryData {
        let count = string.pointee.utf8.count
        guard count > 0 else { return ProtobufCBinaryData(len: 0, data: nil) }
        let destination = take(count)
        let copied: Void? = string.pointee.utf8.withContiguousStorageIfAvailable { source in
            destination.copyMemory(from: source.baseAddress!, byteCount: count)
        }
        if copied == nil {
            var index = 0
            for byte in string.pointee.utf8 {
                destination.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
                index += 1
            }
        }
        return ProtobufCBinaryData(len: count, data: destination.assumingMemoryBound(to: UInt8.self))
    }

    /// Copies the UTF-8 bytes of `string`; an empty string gives the empty (omitted) value.
    package mutating func copy(_ string: String) -> ProtobufCBinaryData {
        let count = string.utf8.count
        guard count > 0 else { return ProtobufCBinaryData(len: 0, data: nil) }
        let destination = take(count)
        _ = Self.write(string, to: destination)
        return ProtobufCBinaryData(len: count, data: destination.assumingMemoryBound(to: UInt8.self))
    }

    /// Writes the UTF-8 bytes of `string` at `destination`; returns how many.
    private static func write(_ string: String, to destination: UnsafeMutableRawPointer) -> Int {
        let count = string.utf8.count
        let copied: Void? = string.utf8.withContiguousStorageIfAvailable { source in
            destination.copyMemory(from: source.baseAddress!, byteCount: count)
        }
        if copied == nil {
            var index = 0
            for byte in string.utf8 {
                destination.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
                index += 1
            }
        }
        return count
    }

    /// Copies three strings back to back, as one value.
    package mutating func copyJoined(_ first: String, _ second: String, _ third: String) -> ProtobufCBinaryData {
        let count = first.utf8.count + second.utf8.count + third.utf8.count
        guard count > 0 else { return ProtobufCBinaryData(len: 0, data: nil) }
        let destination = take(count)
        var offset = Self.write(first, to: destination)
        offset += Self.write(second, to: destination + offset)
        _ = Self.write(third, to: destination + offset)
        return ProtobufCBinaryData(len: count, data: destination.assumingMemoryBound(to: UInt8.self))
    }

    /// Copies the decimal text of `value`.
    package mutating func copyDecimal(_ value: Int64) -> ProtobufCBinaryData {
        // At most 20 characters: a sign and 19 digits.
        var digits: (UInt64, UInt64, UInt32) = (0, 0, 0)
        var magnitude = value.magnitude
        return withUnsafeMutableBytes(of: &digits) { scratch in
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                scratch[start] = UInt8(ascii: "-")
            }
            let count = scratch.count - start
            let destination = take(count)
            destination.copyMemory(from: scratch.baseAddress! + start, byteCount: count)
            return ProtobufCBinaryData(len: count, data: destination.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Copies `value` as 8 big-endian bytes.
    package mutating func copy(bigEndian value: UInt64) -> ProtobufCBinaryData {
        let destination = take(8)
        destination.storeBytes(of: value.bigEndian, as: UInt64.self)
        return ProtobufCBinaryData(len: 8, data: destination.assumingMemoryBound(to: UInt8.self))
    }

    /// Copies `high` then `low` as 16 big-endian bytes (a 128-bit trace ID).
    package mutating func copy(bigEndian high: UInt64, _ low: UInt64) -> ProtobufCBinaryData {
        let destination = take(16)
        destination.storeBytes(of: high.bigEndian, as: UInt64.self)
        destination.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        return ProtobufCBinaryData(len: 16, data: destination.assumingMemoryBound(to: UInt8.self))
    }

    /// Copies one byte.
    mutating func copy(byte: UInt8) -> ProtobufCBinaryData {
        let destination = take(1)
        destination.storeBytes(of: byte, as: UInt8.self)
        return ProtobufCBinaryData(len: 1, data: destination.assumingMemoryBound(to: UInt8.self))
    }
}
