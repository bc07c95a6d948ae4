/// Counts the spans of an `ExportTraceServiceRequest` (protobuf) without decoding them:
/// `resource_spans` (1) → `scope_spans` (2) → `spans` (2), every other field skipped. A
/// malformed body counts what it holds up to the fault.
enum OTLPSpanCount {
    static func spans(_ request: UnsafeRawBufferPointer) -> Int {
        var total = 0
        forEachMessage(request, field: 1) { resourceSpans in
            forEachMessage(resourceSpans, field: 2) { scopeSpans in
                forEachMessage(scopeSpans, field: 2) { _ in total += 1 }
            }
        }
        return total
    }

    /// Calls `body` with each length-delimited field numbered `field` of `message`.
    private static func forEachMessage(
        _ message: UnsafeRawBufferPointer, field: UInt64, _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        var offset = 0
        while offset < message.count {
            guard let tag = varint(message, &offset) else { return }
            switch tag & 7 {
            case 0: guard varint(message, &offset) != nil else { return }
            case 1: offset += 8
            case 5: offset += 4
            case 2:
                guard let length = varint(message, &offset), length <= UInt64(message.count - offset) else { return }
                let end = offset + Int(length)
                if tag >> 3 == field { body(UnsafeRawBufferPointer(rebasing: message[offset..<end])) }
                offset = end
            default: return
            }
        }
    }

    private static func varint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
