import DapperZipkin
import Testing

@Suite struct ZipkinConfigurationTests {
    @Test func theDefaultsAreThoseOfTheIssue() {
        let configuration = ZipkinConfiguration()
        #expect(configuration.endpoint == "http://localhost:9411/api/v2/spans")
        #expect(configuration.encoding == .json)
        #expect(configuration.queueCapacity == 10_000)
        #expect(configuration.maximumBatchSpans == 100)
        #expect(configuration.maximumBatchBytes == 500_000)
        #expect(configuration.flushInterval == .seconds(1))
        #expect(configuration.requestTimeout == .seconds(5))
        #expect(configuration.maximumAttempts == 3)
    }

    @Test func aURLCarriesTheOptionsAndKeepsItsOwnParameters() throws {
        let configuration = try ZipkinConfiguration(parsing:
            "https://zipkin.example:9411/api/v2/spans?encoding=proto3&batch_spans=200&batch_bytes=1000&queue=50"
            + "&queue_bytes=4096&flush_interval=250ms&timeout=2s&attempts=5&header=Authorization:Bearer%20x&tenant=a")
        #expect(configuration.endpoint == "https://zipkin.example:9411/api/v2/spans?tenant=a")
        #expect(configuration.encoding == .proto3)
        #expect(configuration.maximumBatchSpans == 200)
        #expect(configuration.maximumBatchBytes == 1000)
        #expect(configuration.queueCapacity == 50)
        #expect(configuration.queueByteLimit == 4096)
        #expect(configuration.flushInterval == .milliseconds(250))
        #expect(configuration.requestTimeout == .seconds(2))
        #expect(configuration.maximumAttempts == 5)
        #expect(configuration.headers.map(\.name) == ["Authorization"])
        #expect(configuration.headers.map(\.value) == ["Bearer%20x"])
    }

    @Test(arguments: [
        ("", ZipkinConfigurationError.empty),
        ("localhost:9411", .unsupportedScheme("localhost:9411")),
        ("ftp://x/y", .unsupportedScheme("ftp://x/y")),
        ("http:///api", .missingHost("http:///api")),
        ("http://h/api?encoding=xml", .invalidParameter(name: "encoding", value: "xml")),
        ("http://h/api?batch_spans=0", .invalidParameter(name: "batch_spans", value: "0")),
        ("http://h/api?timeout=soon", .invalidParameter(name: "timeout", value: "soon")),
        ("http://h/api?header=novalue", .invalidParameter(name: "header", value: "novalue")),
    ])
    func malformedURLsGiveTheirOwnError(_ text: String, _ expected: ZipkinConfigurationError) {
        #expect(throws: expected) { try ZipkinConfiguration(parsing: text) }
    }

    @Test func theEnvironmentVariableIsOptional() throws {
        #expect(try ZipkinConfiguration.fromEnvironment([:]) == nil)
        #expect(try ZipkinConfiguration.fromEnvironment(["ZIPKIN": "http://z:9411/api/v2/spans"])?.endpoint == "http://z:9411/api/v2/spans")
        #expect(throws: ZipkinConfigurationError.self) { try ZipkinConfiguration.fromEnvironment(["ZIPKIN": "nope"]) }
    }
}
