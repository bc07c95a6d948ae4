import Foundation
import Testing

/// Records what happens to the entries of a directory (inotify), to see how a file came to be.
final class DirectoryWatch {
    struct Event: CustomStringConvertible {
        var mask: UInt32
        var name: String
        var description: String { "\(name): 0x\(String(mask, radix: 16))" }
    }

    private let descriptor: Int32

    init(_ directory: String) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK))
        try #require(descriptor >= 0)
        let mask = UInt32(IN_CREATE) | UInt32(IN_MOVED_TO) | UInt32(IN_ATTRIB)
        try #require(inotify_add_watch(descriptor, directory, mask) >= 0)
    }

    deinit { close(descriptor) }

    /// The events so far, in order.
    func events() -> [Event] {
        var result: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return result }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                let header = MemoryLayout<inotify_event>.size
                while offset + header <= count {
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let nameBytes = raw[(offset + header)..<(offset + header + Int(event.len))].prefix { $0 != 0 }
                    result.append(Event(mask: event.mask, name: String(decoding: nameBytes, as: UTF8.self)))
                    offset += header + Int(event.len)
                }
            }
        }
    }
}
