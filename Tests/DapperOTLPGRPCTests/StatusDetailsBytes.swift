import CDapperGRPCStatusProto
import CDapperSpanProto
import CProtobufC

/// Serialized `google.rpc.Status` values, as a server puts them in `grpc-status-details-bin`,
/// made with the same protobuf-c code the client reads them with.
enum StatusDetailsBytes {
    static let retryInfoTypeURL = "type.googleapis.com/google.rpc.RetryInfo"

    /// A RetryInfo message with `retry_delay` = `seconds` s + `nanos` ns.
    static func retryInfo(seconds: Int64, nanos: Int32) -> [UInt8] {
        var duration = Google__Protobuf__Duration()
        google__protobuf__duration__init(&duration)
        duration.seconds = seconds
        duration.nanos = nanos
        var info = Google__Rpc__RetryInfo()
        google__rpc__retry_info__init(&info)
        return withUnsafeMutablePointer(to: &duration) { durationPointer in
            info.retry_delay = durationPointer
            return pack(size: google__rpc__retry_info__get_packed_size(&info)) { google__rpc__retry_info__pack(&info, $0) }
        }
    }

    /// A `google.rpc.Status` with `code`, `message` and one `Any` detail per (type URL, value).
    static func status(code: Int32, message: String, details: [(typeURL: String, value: [UInt8])]) -> [UInt8] {
        var allocations: [UnsafeMutablePointer<UInt8>] = []
        defer { allocations.forEach { $0.deallocate() } }
        func copy(_ bytes: [UInt8]) -> ProtobufCBinaryData {
            let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes.count))
            pointer.initialize(from: bytes, count: bytes.count)
            allocations.append(pointer)
            return ProtobufCBinaryData(len: bytes.count, data: pointer)
        }
        let anys = UnsafeMutablePointer<Google__Protobuf__Any>.allocate(capacity: max(1, details.count))
        let pointers = UnsafeMutablePointer<UnsafeMutablePointer<Google__Protobuf__Any>?>.allocate(capacity: max(1, details.count))
        defer {
            anys.deallocate()
            pointers.deallocate()
        }
        for (index, detail) in details.enumerated() {
            google__protobuf__any__init(anys + index)
            anys[index].type_url = copy(Array(detail.typeURL.utf8))
            anys[index].value = copy(detail.value)
            pointers[index] = anys + index
        }
        var status = Google__Rpc__Status()
        google__rpc__status__init(&status)
        status.code = code
        status.message = copy(Array(message.utf8))
        status.n_details = details.count
        status.details = pointers
        return pack(size: google__rpc__status__get_packed_size(&status)) { google__rpc__status__pack(&status, $0) }
    }

    private static func pack(size: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, count in
            count = size == 0 ? 0 : write(buffer.baseAddress!)
        }
    }
}
