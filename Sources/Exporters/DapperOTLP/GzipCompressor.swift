#if OTLPHTTP  // a package trait, on by default (README, "Installation")
import CDapperZlib

/// gzip through the system's zlib (deflate with gzip's header and trailer), into a buffer kept
/// from request to request: compressing allocates nothing once it has grown to the largest
/// body. One per sending thread.
final class GzipCompressor {
    /// zlib's state points back at its stream, so the stream must not move.
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: UnsafeMutableRawBufferPointer

    /// `nil` when zlib cannot start a stream (out of memory, or a zlib of another ABI).
    init?() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: the largest window, with a gzip wrapper rather than zlib's.
        let status = deflateInit2_(
            stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            return nil
        }
        output = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    /// Compresses `input` in one pass and calls `body` with the gzip bytes, valid only during
    /// the call; `nil` when zlib fails.
    func withCompressed<Output>(_ input: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Output) -> Output? {
        guard deflateReset(stream) == Z_OK, input.count <= Int(UInt32.max) else { return nil }
        // deflateBound counts the gzip wrapper too: one deflate call with Z_FINISH then ends
        // the stream.
        let bound = Int(deflateBound(stream, uLong(input.count)))
        if output.count < bound {
            output.deallocate()
            output = .allocate(byteCount: bound, alignment: 16)
        }
        guard let outputBase = output.baseAddress else { return nil }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = outputBase.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let status = deflate(stream, Z_FINISH)
        stream.pointee.next_in = nil
        guard status == Z_STREAM_END else { return nil }
        let written = output.count - Int(stream.pointee.avail_out)
        return body(UnsafeRawBufferPointer(start: outputBase, count: written))
    }
}
#endif
