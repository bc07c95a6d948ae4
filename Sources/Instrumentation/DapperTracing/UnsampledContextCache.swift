#if DistributedTracing  // a package trait, on by default (README, "Installation")
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Instrumentation

/// The contexts of unsampled root spans, kept per thread so that starting one allocates
/// nothing: the unsampled path is most requests of a sampled service.
///
/// Such a span must carry the new trace's identifiers (so that the next service continues
/// the trace, unsampled, instead of sampling it anew), which takes a `ServiceContext` of its
/// own: a dictionary, allocated when it is made. A context given back here when its span
/// ends is taken again by the next unsampled root on the thread, and setting the new
/// identifiers into it changes it in place: nobody else holds it by then, so copy-on-write
/// does not copy. If someone does still hold it (a task that captured the span's context),
/// the setter copies, as it would anyway: this only saves work, it never shares a context.
///
/// Only contexts that hold nothing but Dapper's entry come here, so a reused one carries
/// nothing from an earlier request.
enum UnsampledContextCache {
    /// Contexts kept per thread; beyond that, given-back ones are let go.
    static let capacity = 8

    /// A context holding only Dapper's entry, or `nil` when the thread has none.
    @inline(__always)
    static func take() -> ServiceContext? {
        let cache = current
        return cache.pointee.contexts.popLast()
    }

    /// Gives back the context of an ended unsampled root span.
    @inline(__always)
    static func give(_ context: ServiceContext) {
        let cache = current
        if cache.pointee.contexts.count < capacity { cache.pointee.contexts.append(context) }
    }

    private struct PerThread {
        var contexts: [ServiceContext]
    }

    @inline(__always)
    private static var current: UnsafeMutablePointer<PerThread> {
        if let pointer = pthread_getspecific(key) { return pointer.assumingMemoryBound(to: PerThread.self) }
        return makeCurrent()
    }

    @inline(never)
    private static func makeCurrent() -> UnsafeMutablePointer<PerThread> {
        var contexts: [ServiceContext] = []
        contexts.reserveCapacity(capacity)
        let pointer = UnsafeMutablePointer<PerThread>.allocate(capacity: 1)
        pointer.initialize(to: PerThread(contexts: contexts))
        pthread_setspecific(key, pointer)
        return pointer
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            let pointer: UnsafeMutableRawPointer? = pointer
            #endif
            guard let pointer else { return }
            let cache = pointer.assumingMemoryBound(to: PerThread.self)
            cache.deinitialize(count: 1)
            cache.deallocate()
        }
        precondition(status == 0, "pthread_key_create failed: the process is out of thread-specific keys")
        return key
    }()
}
#endif
