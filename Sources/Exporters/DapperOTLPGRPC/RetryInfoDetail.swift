#if OTLPGRPC  // a package trait, on by default (README, "Installation")
import CDapperGRPCStatusProto
import CProtobufC

/// Whether a failed call's status details (`grpc-status-details-bin`: a serialized
/// `google.rpc.Status` whose `details` are `google.protobuf.Any`) carry `google.rpc.RetryInfo`,
/// the OTLP specification's throttling signal, and the delay it asks for.
///
/// Decoded with protobuf-c. Anything malformed (the status, the detail, a negative or
/// out-of-range delay) counts as no RetryInfo or no delay, never as an error: the bytes are the
/// server's.
package enum RetryInfoDetail: Equatable, Sendable {
    /// No RetryInfo among the details (or no decodable details at all).
    case absent
    /// RetryInfo is there; `retryDelay` is its `retry_delay` when positive and well-formed.
    case present(retryDelay: Duration?)

    /// The type URL's last segment that names RetryInfo (`type.googleapis.com/google.rpc.RetryInfo`
    /// as servers send it; the Any specification lets the prefix vary).
    static let typeName: [UInt8] = Array("/google.rpc.RetryInfo".utf8)

    /// Reads the serialized `google.rpc.Status` of `grpc-status-details-bin`.
    package init(statusDetails bytes: [UInt8]) {
        self = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress,
                let status = google__rpc__status__unpack(nil, buffer.count, base)
            else { return .absent }
            defer { google__rpc__status__free_unpacked(status, nil) }
            guard let details = status.pointee.details else { return .absent }
            for index in 0..<status.pointee.n_details {
                guard let any = details[index], Self.namesRetryInfo(any.pointee.type_url) else { continue }
                guard let info = Self.retryDelay(any.pointee.value) else { continue }
                return .present(retryDelay: info)
            }
            return .absent
        }
    }

    private static func namesRetryInfo(_ url: ProtobufCBinaryData) -> Bool {
        guard let data = url.data, url.len >= typeName.count else { return false }
        let suffix = UnsafeBufferPointer(start: data + (url.len - typeName.count), count: typeName.count)
        return suffix.elementsEqual(typeName)
    }

    /// The delay of a serialized RetryInfo: `nil` when it does not decode, `.some(nil)` when it
    /// decodes without a usable delay.
    private static func retryDelay(_ value: ProtobufCBinaryData) -> Duration?? {
        // An empty RetryInfo is valid protobuf (no delay); protobuf-c wants a non-null pointer.
        let empty: UInt8 = 0
        let info = withUnsafePointer(to: empty) { google__rpc__retry_info__unpack(nil, value.len, value.data.map { UnsafePointer($0) } ?? $0) }
        guard let info else { return nil }
        defer { google__rpc__retry_info__free_unpacked(info, nil) }
        guard let delay = info.pointee.retry_delay else { return .some(nil) }
        let seconds = delay.pointee.seconds
        let nanos = delay.pointee.nanos
        // google.protobuf.Duration's own bounds: ±315 576 000 000 s, nanos below a second with
        // the seconds' sign. Only a positive delay asks the client to wait.
        guard seconds >= 0, seconds <= 315_576_000_000, nanos >= 0, nanos < 1_000_000_000, seconds > 0 || nanos > 0 else {
            return .some(nil)
        }
        return .some(.seconds(seconds) + .nanoseconds(nanos))
    }
}
#endif
