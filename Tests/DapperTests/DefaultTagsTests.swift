import Dapper
import DapperTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Compatibility §6: the default tags and the default service name.
///
/// Tests that change the environment run in a child process (exit tests): other tests of this
/// process read the environment whenever they build a tracer with the default tags.
@Suite struct DefaultTagsTests {
    @Test func defaultTagsAreRegionZoneHostnameIPInThatOrderAsStrings() {
        let tags = DefaultTags.fromEnvironment()
        #expect(tags.map(\.key) == ["region", "zone", "hostname", "ip"])
        for tag in tags {
            guard case .string = tag.value else {
                Issue.record("\(tag.key) is not a string tag")
                continue
            }
        }
    }

    @Test func defaultTagValuesFollowThisProcesssEnvironment() {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let tags = DefaultTags.fromEnvironment()
        #expect(tags[0].value == .string(value("REGION") ?? "region01"))
        #expect(tags[1].value == .string(value("ZONE") ?? "zone01"))
        #expect(tags[2].value == .string(value("HOSTNAME") ?? systemHostName()))
        #expect(tags[3].value == .string(firstUpNonLoopbackIPv4() ?? ""))
    }

    @Test func ipIsAnIPv4AddressOfThisHostThatIsNotLoopback() {
        guard case .string(let ip) = DefaultTags.fromEnvironment()[3].value else {
            Issue.record("ip is not a string tag")
            return
        }
        guard !ip.isEmpty else { return }  // a host without one
        var address = in_addr()
        #expect(inet_pton(AF_INET, ip, &address) == 1, "\(ip)")
        #expect(!ip.hasPrefix("127."))
        #expect(allIPv4Addresses().contains(ip))
    }

    @Test func environmentOverridesRegionZoneAndHostname() async {
        await #expect(processExitsWith: .success) {
            setenv("REGION", "sh001", 1)
            setenv("ZONE", "sh001-a", 1)
            setenv("HOSTNAME", "box-17", 1)
            let tags = DefaultTags.fromEnvironment()
            guard tags.map(\.key) == ["region", "zone", "hostname", "ip"] else { exit(2) }
            guard tags[0].value == .string("sh001") else { exit(3) }
            guard tags[1].value == .string("sh001-a") else { exit(4) }
            guard tags[2].value == .string("box-17") else { exit(5) }
        }
    }

    @Test func withoutEnvironmentRegionZoneAndHostnameHaveTheirDefaults() async {
        await #expect(processExitsWith: .success) {
            unsetenv("REGION")
            unsetenv("ZONE")
            unsetenv("HOSTNAME")
            let tags = DefaultTags.fromEnvironment()
            guard tags[0].value == .string("region01") else { exit(2) }
            guard tags[1].value == .string("zone01") else { exit(3) }
            guard tags[2].value == .string(systemHostName()) else { exit(4) }
            guard tags[3].value == .string(firstUpNonLoopbackIPv4() ?? "") else { exit(5) }
        }
    }

    @Test func emptyEnvironmentValuesCountAsUnset() async {
        await #expect(processExitsWith: .success) {
            setenv("REGION", "", 1)
            setenv("ZONE", "", 1)
            let tags = DefaultTags.fromEnvironment()
            guard tags[0].value == .string("region01") else { exit(2) }
            guard tags[1].value == .string("zone01") else { exit(3) }
        }
    }

    @Test func tracerSpansCarryTheEnvironmentsDefaultTagsFirst() async {
        await #expect(processExitsWith: .success) {
            setenv("REGION", "r-env", 1)
            setenv("ZONE", "z-env", 1)
            setenv("HOSTNAME", "h-env", 1)
            let reporter = InMemoryReporter()
            let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: AlwaysSampler())
            let root = tracer.new("root")
            root.setTag("own", true)
            root.fork("", "child").finish()
            root.finish()
            let spans = reporter.spans
            guard spans.count == 2 else { exit(2) }
            for span in spans {
                let keys = span.tags.prefix(4).map(\.key)
                guard keys == ["region", "zone", "hostname", "ip"] else { exit(3) }
                guard span.tags[0].value == .string("r-env"), span.tags[1].value == .string("z-env"),
                    span.tags[2].value == .string("h-env")
                else { exit(4) }
                guard span.tags[4].key == "span.kind" else { exit(5) }
            }
        }
    }

    @Test func serviceNameComesFromAppIDWhenNotGiven() async {
        await #expect(processExitsWith: .success) {
            setenv("APP_ID", "main.account.user-service", 1)
            guard DefaultTags.serviceNameFromEnvironment() == "main.account.user-service" else { exit(2) }
            let tracer = DapperTracer(reporter: InMemoryReporter(), defaultTags: [])
            guard tracer.serviceName == "main.account.user-service" else { exit(3) }
            let named = DapperTracer(serviceName: "explicit", reporter: InMemoryReporter(), defaultTags: [])
            guard named.serviceName == "explicit" else { exit(4) }
        }
    }

    @Test func withoutAppIDTheServiceNameIsTheExecutablesName() async {
        await #expect(processExitsWith: .success) {
            unsetenv("APP_ID")
            let executable = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? ""
            guard !executable.isEmpty else { exit(2) }
            guard DefaultTags.serviceNameFromEnvironment() == executable else { exit(3) }
            guard DapperTracer(reporter: InMemoryReporter(), defaultTags: []).serviceName == executable else { exit(4) }
        }
    }

    @Test func customDefaultTagsKeepTheirOrderBeforeTheKind() {
        let custom: [SpanTag] = [
            SpanTag(key: "zone", value: "z"), SpanTag(key: "region", value: "r"), SpanTag(key: "extra", value: 7),
        ]
        let (tracer, reporter) = makeTracer(defaultTags: custom)
        tracer.new("root").finish()
        #expect(Array(reporter.spans[0].tags) == custom + [SpanTag(key: "span.kind", value: "server")])
    }
}

/// The OS host name, read here independently of the library.
func systemHostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Every interface address of the host: IPv4 text, and whether the interface is up and loopback.
private func interfaceIPv4Addresses() -> [(address: String, isUp: Bool, isLoopback: Bool)] {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0 else { return [] }
    defer { freeifaddrs(list) }
    var result: [(String, Bool, Bool)] = []
    var entry = list
    while let current = entry {
        entry = current.pointee.ifa_next
        guard let address = current.pointee.ifa_addr, Int32(address.pointee.sa_family) == AF_INET else { continue }
        let flags = UInt32(current.pointee.ifa_flags)
        let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
        let bytes = withUnsafeBytes(of: ipv4) { Array($0) }  // network order
        let text = bytes.map(String.init).joined(separator: ".")
        result.append((text, flags & UInt32(IFF_UP) != 0, flags & UInt32(IFF_LOOPBACK) != 0))
    }
    return result
}

func firstUpNonLoopbackIPv4() -> String? {
    interfaceIPv4Addresses().first { $0.isUp && !$0.isLoopback }?.address
}

func allIPv4Addresses() -> [String] {
    interfaceIPv4Addresses().map(\.address)
}
