#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The tags every span of a tracer starts with, and the default service name (Compatibility §6).
public enum DefaultTags {
    /// `region` (env `REGION`, default `region01`), `zone` (env `ZONE`, default `zone01`),
    /// `hostname` (env `HOSTNAME`, else the OS host name) and `ip` (the host's first
    /// non-loopback IPv4 address, empty if it has none), in that order.
    public static func fromEnvironment() -> [SpanTag] {
        [
            SpanTag(key: "region", value: .string(environment("REGION") ?? "region01")),
            SpanTag(key: "zone", value: .string(environment("ZONE") ?? "zone01")),
            SpanTag(key: "hostname", value: .string(environment("HOSTNAME") ?? hostName())),
            SpanTag(key: "ip", value: .string(firstNonLoopbackIPv4Address() ?? "")),
        ]
    }

    /// The service name from env `APP_ID`, else the executable's name.
    package static func serviceNameFromEnvironment() -> String {
        if let appID = environment("APP_ID") { return appID }
        let executable = CommandLine.arguments.first ?? ""
        return executable.split(separator: "/").last.map(String.init) ?? "unknown"
    }

    /// The value of an environment variable, `nil` when unset or empty.
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let string = String(cString: value)
        return string.isEmpty ? nil : string
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The first IPv4 address of an interface that is up and not loopback.
    static func firstNonLoopbackIPv4Address() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var current: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = current {
            defer { current = entry.pointee.ifa_next }
            let flags = Int32(bitPattern: UInt32(entry.pointee.ifa_flags))
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0
            else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            let converted = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                var inAddress = ipv4.pointee.sin_addr
                return inet_ntop(AF_INET, &inAddress, &text, socklen_t(text.count)) != nil
            }
            if converted {
                return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return nil
    }
}
