#if OTLPHTTP  // a package trait, on by default (README, "Installation")
/// The `message` of a `google.rpc.Status`, the body OTLP/HTTP receivers send with a 4xx or 5xx
/// answer: read by hand (field 2, a string), since nothing else of the message is used and
/// protobuf-c's generated code for it would be a fourth message set.
enum RPCStatusMessage {
    /// The message, or `nil` when the body is not a `Status` or has none.
    static func message(in bytes: UnsafeRawBufferPointer) -> String? {
        var index = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count, shift < 64 {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        var message: String?
        while index < bytes.count {
            guard let key = varint() else { return nil }
            switch key & 7 {
            case 0:
                guard varint() != nil else { return nil }
            case 1:
                index += 8
            case 5:
                index += 4
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count - index) else { return nil }
                if key >> 3 == 2 {
                    message = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + Int(length))]), as: UTF8.self)
                }
                index += Int(length)
            default:
                return nil
            }
        }
        return index == bytes.count ? message : nil
    }
}
#endif
