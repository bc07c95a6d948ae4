/// The memory protobuf-c unpacks into: bump allocation from one block, nothing freed until
/// the next span. A span larger than the block gets extra blocks, released at the reset.
final class DecodeArena {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    private var offset = 0
    private var overflow: [UnsafeMutableRawPointer] = []
    private var overflowBytes = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        for block in overflow { block.deallocate() }
        base.deallocate()
    }

    func reset() {
        if !overflow.isEmpty {
            for block in overflow { block.deallocate() }
            overflow.removeAll()
            base.deallocate()
            capacity = max(capacity * 2, capacity + overflowBytes)
            base = .allocate(byteCount: capacity, alignment: 16)
            overflowBytes = 0
        }
        offset = 0
    }

    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let aligned = (size + 15) & ~15
        if capacity - offset >= aligned {
            defer { offset += aligned }
            return base + offset
        }
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(aligned, 16), alignment: 16)
        overflow.append(block)
        overflowBytes += aligned
        return block
    }
}
