import CDapperCollectorSocket

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The reading thread of a `udp` or `unixgram` listener: waits with `poll` on the socket and
/// the wake pipe, then reads datagrams in batches with `recvmmsg` until none is left. Asked
/// to stop, it still reads what is queued in the socket by then (up to a bound), so that a
/// span a sender handed over before the stop is counted rather than lost in the kernel.
func runDatagramLoop(core: ListenerCore, sink: EventSink) {
    let batch = 64
    let maximum = core.configuration.maximumSpanSize
    // One byte more than the largest span, so that a longer datagram shows as truncated.
    let size = maximum + 1
    let memory = UnsafeMutableRawPointer.allocate(byteCount: size * batch, alignment: 16)
    let buffers = UnsafeMutablePointer<dapper_receive_buffer>.allocate(capacity: batch)
    defer {
        memory.deallocate()
        buffers.deallocate()
    }
    for index in 0..<batch {
        buffers[index] = dapper_receive_buffer(base: memory + index * size, capacity: size, received: 0, truncated: 0)
    }
    let descriptor = core.socket.descriptor
    var descriptors = [
        pollfd(fd: core.wakeRead, events: Int16(POLLIN), revents: 0),
        pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
    ]
    /// Reads up to `batches` batches; returns whether the socket is drained.
    func readQueued(batches: Int) -> Bool {
        for _ in 0..<batches {
            let received = dapper_receive_datagrams(descriptor, buffers, UInt32(batch))
            guard received > 0 else { return true }  // EAGAIN: drained
            for index in 0..<Int(received) {
                let buffer = buffers[index]
                if buffer.truncated != 0 || buffer.received > maximum {
                    sink.emit(.rejected(reason: "too_large", detail: "datagram longer than \(maximum) bytes"))
                    continue
                }
                sink.decode(UnsafeRawBufferPointer(start: buffer.base, count: buffer.received))
            }
        }
        return false
    }
    while !core.isStopping {
        guard pollDescriptors(&descriptors, timeoutMilliseconds: -1) >= 0 else {
            // poll itself failed (out of memory): try again shortly rather than spin.
            usleep(10_000)
            continue
        }
        if descriptors[0].revents != 0 { drainWakePipe(core.wakeRead) }
        // Bounded, so that a flood cannot keep the loop from looking at the stop flag.
        if descriptors[1].revents != 0 { _ = readQueued(batches: 16) }
    }
    // At most a full 8 MiB receive buffer of the smallest datagrams: a flood still in
    // progress cannot hold the stop up.
    _ = readQueued(batches: 2048)
}
