import Synchronization

/// Where ``currentTrace`` looks when Dapper's own task-local holds nothing: set once, by an
/// instrumentation API that keeps a current span of its own.
package enum CurrentTraceFallback {
    private final class Provider: Sendable {
        let trace: @Sendable () -> (any Trace)?
        init(_ trace: @escaping @Sendable () -> (any Trace)?) { self.trace = trace }
    }

    /// The address of the installed provider, which is never freed; 0 for none.
    private static let provider = Atomic<UInt>(0)

    /// Installs `trace` as the fallback, unless one is installed already (the first wins).
    package static func install(_ trace: @escaping @Sendable () -> (any Trace)?) {
        let box = Unmanaged.passRetained(Provider(trace))
        let address = UInt(bitPattern: box.toOpaque())
        if !provider.compareExchange(expected: 0, desired: address, ordering: .acquiringAndReleasing).exchanged {
            box.release()
        }
    }

    static var trace: (any Trace)? {
        let address = provider.load(ordering: .acquiring)
        guard let pointer = UnsafeRawPointer(bitPattern: address) else { return nil }
        return Unmanaged<Provider>.fromOpaque(pointer).takeUnretainedValue().trace()
    }
}
