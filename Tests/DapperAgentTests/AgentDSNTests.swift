@testable import DapperAgent
import Foundation
import Testing

@Suite struct AgentDSNTests {
    @Test func theDefaultIsTheGoOriginalsSocket() {
        #expect(AgentDSN.default.network == .unixgram)
        #expect(AgentDSN.default.address == "/var/run/dapper-collect/dapper-collect.sock")
        #expect(AgentDSN.default.timeout == .milliseconds(200))
        #expect(AgentDSN.default.protocolVersion == 1)
    }

    @Test func everyNetworkParses() throws {
        let unix = try AgentDSN(parsing: "unixgram:///var/run/x.sock")
        #expect(unix == AgentDSN(network: .unixgram, address: "/var/run/x.sock"))
        #expect(try AgentDSN(parsing: "udp://127.0.0.1:6831") == AgentDSN(network: .udp, address: "127.0.0.1:6831"))
        #expect(try AgentDSN(parsing: "tcp://localhost:9000") == AgentDSN(network: .tcp, address: "localhost:9000"))
        #expect(try AgentDSN(parsing: "udp://[::1]:6831").address == "[::1]:6831")
        #expect(try AgentDSN(parsing: "  UDP://127.0.0.1:1  ").network == .udp)
    }

    @Test func theGoOriginalsFullDSNParses() throws {
        let dsn = try AgentDSN(parsing: "unixgram:///var/run/dapper-collect/dapper-collect.sock?timeout=100ms&disable_sample=true&protocol_version=1")
        #expect(dsn.timeout == .milliseconds(100))
        #expect(dsn.disableSample)
        #expect(dsn.protocolVersion == 1)
    }

    @Test(arguments: [
        ("200ms", Duration.milliseconds(200)), ("1s", .seconds(1)), ("1.5s", .milliseconds(1500)),
        ("500us", .microseconds(500)), ("500µs", .microseconds(500)), ("100ns", .nanoseconds(100)),
        ("2m", .seconds(120)), ("1m30s", .seconds(90)), ("1h", .seconds(3600)),
    ])
    func timeoutsAreGoDurations(_ text: String, _ expected: Duration) throws {
        #expect(try AgentDSN(parsing: "udp://h:1?timeout=\(text)").timeout == expected)
    }

    @Test(arguments: [
        ("", AgentDSNError.empty),
        ("   ", .empty),
        ("/var/run/x.sock", .missingScheme("/var/run/x.sock")),
        ("http://x:1", .unknownNetwork("http")),
        ("udp://", .missingAddress("udp://")),
        ("unixgram://?timeout=1s", .missingAddress("unixgram://?timeout=1s")),
        ("unixgram://relative/x.sock", .relativeUnixPath("relative/x.sock")),
        ("udp://127.0.0.1", .missingPort("127.0.0.1")),
        ("udp://127.0.0.1:", .missingPort("127.0.0.1:")),
        ("udp://a/b:6831", .invalidHost("a/b:6831")),
        ("tcp://a b:1", .invalidHost("a b:1")),
        ("udp://h:0", .invalidPort("h:0")),
        ("udp://h:65536", .invalidPort("h:65536")),
        ("udp://h:-1", .invalidPort("h:-1")),
        ("udp://h:12x", .invalidPort("h:12x")),
        ("udp://[::1:6831", .missingPort("[::1:6831")),
        ("udp://h:1?timeout=fast", .invalidParameter(name: "timeout", value: "fast")),
        ("udp://h:1?timeout=0s", .parameterOutOfRange(name: "timeout", value: "0s", allowed: "between 1ns and 3600s")),
        ("udp://h:1?timeout=", .invalidParameter(name: "timeout", value: "")),
        ("udp://h:1?timeout=5", .invalidParameter(name: "timeout", value: "5")),
        ("udp://h:1?disable_sample=yes", .invalidParameter(name: "disable_sample", value: "yes")),
        ("udp://h:1?protocol_version=x", .invalidParameter(name: "protocol_version", value: "x")),
        ("udp://h:1?protocol_version=2", .unsupportedProtocolVersion(2)),
        ("udp://h:1?color=red", .unknownParameter("color")),
        ("udp://h:1?timeout=1s&timeout=2s", .duplicateParameter("timeout")),
    ])
    func malformedDSNsGiveTheirOwnError(_ text: String, _ expected: AgentDSNError) {
        #expect(throws: expected) { try AgentDSN(parsing: text) }
    }

    @Test func anEmptyHostIsAllowedAndMeansThisMachine() throws {
        #expect(try AgentDSN(parsing: "udp://:6831").address == ":6831")
        let address = try SocketAddress.resolve(":6831", type: Int32(SOCK_DGRAM.rawValue))
        #expect(address.text == "127.0.0.1:6831")
    }

    @Test func aUnixPathLongerThanASocketAddressHoldsIsRejected() {
        let path = "/" + String(repeating: "p", count: 107)
        #expect(throws: AgentDSNError.unixPathTooLong(path, limit: 107)) { try AgentDSN(parsing: "unixgram://" + path) }
        let fits = "/" + String(repeating: "p", count: 106)
        #expect((try? AgentDSN(parsing: "unixgram://" + fits))?.address == fits)
    }

    @Test func errorsNameTheOffendingText() {
        #expect(AgentDSNError.unknownNetwork("http").description.contains("http"))
        #expect(AgentDSNError.invalidParameter(name: "timeout", value: "fast").description.contains("fast"))
        #expect(AgentDSNError.invalidPort("h:0").description.contains("h:0"))
    }

    @Test(arguments: [
        "unixgram:///var/run/x.sock", "udp://127.0.0.1:6831?timeout=1500us", "tcp://[::1]:9?disable_sample=true",
        "udp://h:1?timeout=3ns", "tcp://h:2?timeout=2m",
    ])
    func theDescriptionParsesBackToTheSameDSN(_ text: String) throws {
        let dsn = try AgentDSN(parsing: text)
        #expect(try AgentDSN(parsing: dsn.description) == dsn)
    }

    @Test func theEnvironmentVariableOverridesTheDefault() throws {
        #expect(try AgentDSN.fromEnvironment([:]) == .default)
        #expect(try AgentDSN.fromEnvironment(["TRACE": ""]) == .default)
        #expect(try AgentDSN.fromEnvironment(["TRACE": "udp://127.0.0.1:7"]) == AgentDSN(network: .udp, address: "127.0.0.1:7"))
        #expect(throws: AgentDSNError.unknownNetwork("nope")) { try AgentDSN.fromEnvironment(["TRACE": "nope://x"]) }
    }

    @Test func randomTextNeverCrashesTheParser() {
        var random = SeededRandom(seed: 42)
        let pieces = ["unixgram", "udp", "tcp", "://", "/", ":", "?", "&", "=", "[", "]", "timeout", "1s", "ms", "µ",
                      "disable_sample", "true", "protocol_version", "1", "65535", "h", " ", "\0", "%", "::1", "🙂"]
        var accepted = 0
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...10, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            if let dsn = try? AgentDSN(parsing: text) {
                accepted += 1
                #expect((try? AgentDSN(parsing: dsn.description)) == dsn, "\(text)")
            }
        }
        #expect(accepted < 5_000)
    }

    @Test(arguments: ["0s", "2h", "3601s", "99999999h"])
    func aTimeoutOutsideOneNanosecondToAnHourIsAnErrorNamingTheRange(_ value: String) {
        #expect(throws: AgentDSNError.parameterOutOfRange(name: "timeout", value: value, allowed: "between 1ns and 3600s")) {
            try AgentDSN(parsing: "udp://127.0.0.1:6831?timeout=" + value)
        }
    }

    @Test func theDescriptionOfATimeoutOfCenturiesSetInCodeDoesNotTrap() {
        let dsn = AgentDSN(network: .udp, address: "127.0.0.1:6831", timeout: .seconds(Int64.max))
        #expect(dsn.description.contains("timeout=9223372036854775807s"))
    }

    @Test func errorMessagesEscapeTheControlCharactersOfTheirInput() {
        #expect {
            try AgentDSN(parsing: "udp://ho\u{1b}[2Jst:1")
        } throws: { error in
            let text = "\(error)"
            return !text.contains("\u{1b}") && text.contains("\\u{1b}")
        }
        #expect {
            try AgentDSN(parsing: "udp://127.0.0.1:1?timeout=1s\nFAKE")
        } throws: { "\($0)" == "invalid value \"1s\\nFAKE\" for timeout" }
    }
}

private struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

}
