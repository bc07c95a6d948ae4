import DapperWire

/// Splits a byte stream into frames of protobuf's delimited format: each message behind its
/// length as a varint. How `tcp` carries spans, since a stream has no datagram boundaries.
///
/// Bytes arrive in arbitrary chunks; a frame split across chunks is kept until it is whole.
/// A frame longer than `maximumFrame` is skipped without being buffered.
struct DelimitedReader {
    enum Frame {
        /// A whole message, valid only during the callback.
        case message(UnsafeRawBufferPointer)
        /// A frame over the limit was skipped.
        case skipped(length: Int)
        /// The length prefix is not a varint of at most 10 bytes; the stream is unusable.
        case invalidLength
    }

    let maximumFrame: Int
    private var pending: [UInt8] = []
    private var skipping = 0

    init(maximumFrame: Int) { self.maximumFrame = maximumFrame }

    /// Whether the stream, ended now, would end inside a frame that was not reported yet. A
    /// frame being skipped for its size is not one: it was reported as ``Frame/skipped(length:)``
    /// when it began, and reporting its end too would count one frame twice.
    var endsInsideFrame: Bool { !pending.isEmpty }

    mutating func consume(_ chunk: UnsafeRawBufferPointer, _ body: (Frame) -> Void) {
        var chunk = chunk
        if skipping > 0 {
            let skipped = min(skipping, chunk.count)
            skipping -= skipped
            chunk = UnsafeRawBufferPointer(rebasing: chunk[skipped...])
        }
        guard !chunk.isEmpty else { return }
        if pending.isEmpty {
            let used = split(chunk, body)
            pending.append(contentsOf: chunk[used...])
        } else {
            pending.append(contentsOf: chunk)
            let buffered = pending
            let used = buffered.withUnsafeBytes { split($0, body) }
            if used == pending.count {
                // Frees the buffer: an idle connection then holds no memory for its frames.
                pending = []
            } else {
                pending.removeFirst(used)
            }
        }
    }

    /// Emits every whole frame of `bytes`; returns how many bytes were used.
    private mutating func split(_ bytes: UnsafeRawBufferPointer, _ body: (Frame) -> Void) -> Int {
        var offset = 0
        while offset < bytes.count {
            let length: UInt64
            let cursor: Int
            switch Varint.read(bytes, at: offset) {
            case .value(let value, let prefix):
                length = value
                cursor = offset + prefix
            case .incomplete:
                return offset  // the prefix continues in the next chunk
            case .invalid:
                body(.invalidLength)
                return bytes.count
            }
            guard length <= UInt64(Int.max / 2) else {
                body(.invalidLength)
                return bytes.count
            }
            let frameLength = Int(length)
            if frameLength > maximumFrame {
                body(.skipped(length: frameLength))
                let available = bytes.count - cursor
                if frameLength > available {
                    skipping = frameLength - available
                    return bytes.count
                }
                offset = cursor + frameLength
                continue
            }
            guard bytes.count - cursor >= frameLength else { return offset }
            body(.message(UnsafeRawBufferPointer(rebasing: bytes[cursor..<(cursor + frameLength)])))
            offset = cursor + frameLength
        }
        return offset
    }
}
