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
        #expect(configuration.headers.map(\.value) == ["Bearer x"])
    }

    @Test(arguments: [
        ("", ZipkinConfigurationError.empty),
        ("localhost:9411", .unsupportedScheme("localhost:9411")),
        ("ftp://x/y", .unsupportedScheme("ftp://x/y")),
        ("http:///api", .missingHost("http:///api")),
        ("http://h/api?encoding=xml", .invalidParameter(name: "encoding", value: "xml")),
        ("http://h/api?batch_spans=0", .outOfRange(name: "batch_spans", value: "0", allowed: "between 1 and 10000")),
        ("http://h/api?batch_spans=-1", .invalidParameter(name: "batch_spans", value: "-1")),
        ("http://h/api?timeout=soon", .invalidParameter(name: "timeout", value: "soon")),
        ("http://h/api?header=novalue", .invalidHeader(name: "", reason: "a header parameter is written Name:Value")),
        ("http://h:99999/api", .invalidPort("http://h:99999/api")),
        ("http://h:/api", .invalidPort("http://h:/api")),
    ])
    func malformedURLsGiveTheirOwnError(_ text: String, _ expected: ZipkinConfigurationError) {
        #expect(throws: expected) { try ZipkinConfiguration(parsing: text) }
    }

    @Test func theEnvironmentVariableIsOptional() throws {
        #expect(try ZipkinConfiguration.fromEnvironment([:]) == nil)
        #expect(try ZipkinConfiguration.fromEnvironment(["ZIPKIN": "http://z:9411/api/v2/spans"])?.endpoint == "http://z:9411/api/v2/spans")
        #expect(throws: ZipkinConfigurationError.self) { try ZipkinConfiguration.fromEnvironment(["ZIPKIN": "nope"]) }
    }

    // MARK: No crash from configuration

    @Test(arguments: [
        ("batch_spans=9223372036854775807", "batch_spans must be between 1 and 10000, got 9223372036854775807"),
        ("batch_spans=99999999999999999999999", "batch_spans must be between 1 and 10000, got 99999999999999999999999"),
        ("queue=100000000000", "queue must be between 1 and 1000000, got 100000000000"),
        ("queue_bytes=0", "queue_bytes must be between 1 and 4294967296, got 0"),
        ("batch_bytes=67108865", "batch_bytes must be between 1 and 67108864, got 67108865"),
        ("attempts=101", "attempts must be between 1 and 100, got 101"),
        ("timeout=1000000h", "timeout must be between 1ns and 3600s, got 1000000h"),
        ("flush_interval=0s", "flush_interval must be between 1ns and 3600s, got 0s"),
    ])
    func aValueOutOfItsRangeIsAnErrorNamingTheParameterAndTheRange(_ parameter: String, _ message: String) {
        #expect {
            try ZipkinConfiguration(parsing: "http://h:9411/api/v2/spans?" + parameter)
        } throws: { error in
            guard let error = error as? ZipkinConfigurationError, case .outOfRange = error else { return false }
            return "\(error)" == message
        }
    }

    @Test func theLargestAllowedValuesParse() throws {
        let configuration = try ZipkinConfiguration(parsing:
            "http://h/api?queue=1000000&queue_bytes=4294967296&batch_spans=10000&batch_bytes=67108864&attempts=100&timeout=1h")
        #expect(configuration.queueCapacity == 1_000_000)
        #expect(configuration.requestTimeout == .seconds(3600))
    }

    // MARK: Authority

    @Test func aURLWithUserInfoButNoHostSaysTheHostIsMissingWithoutThePassword() {
        #expect(throws: ZipkinConfigurationError.missingHost("http://***@/api")) {
            try ZipkinConfiguration(parsing: "http://admin:pw@/api")
        }
        #expect(throws: ZipkinConfigurationError.missingHost("http://***@:9411/api")) {
            try ZipkinConfiguration(parsing: "http://admin:pw@:9411/api")
        }
    }

    @Test func anIPv6HostWithAPortParses() throws {
        #expect(try ZipkinConfiguration(parsing: "http://[::1]:9411/api/v2/spans").endpoint == "http://[::1]:9411/api/v2/spans")
    }

    // MARK: Percent-decoding and headers

    @Test func parameterNamesAndValuesArePercentDecodedAndAPlusStaysAPlus() throws {
        let configuration = try ZipkinConfiguration(parsing:
            "http://h/api?header=Authorization:Bearer%20TOKEN&%62atch_spans=%32%30&header=X-Sum:a+b%2Bc&tenant=a%20b")
        #expect(configuration.headers.map(\.name) == ["Authorization", "X-Sum"])
        #expect(configuration.headers.map(\.value) == ["Bearer TOKEN", "a+b+c"])
        #expect(configuration.maximumBatchSpans == 20)
        // Parameters the reporter does not take stay in the URL as written.
        #expect(configuration.endpoint == "http://h/api?tenant=a%20b")
    }

    @Test(arguments: ["header=A:%zz", "header=A:%2", "timeout=5%", "%e2%82=1"])
    func anInvalidPercentEscapeIsATypedError(_ parameter: String) {
        #expect {
            try ZipkinConfiguration(parsing: "http://h/api?" + parameter)
        } throws: { error in
            guard let error = error as? ZipkinConfigurationError, case .invalidPercentEncoding = error else { return false }
            return true
        }
    }

    @Test(arguments: ["X-Token:a%0D%0AInjected:%20yes", "X-Token:a%00b", "X-Token:a%7Fb"])
    func aHeaderValueWithAControlCharacterIsRejectedWithoutQuotingIt(_ parameter: String) {
        #expect(throws: ZipkinConfigurationError.invalidHeader(name: "X-Token", reason: "the value holds a control character")) {
            try ZipkinConfiguration(parsing: "http://h/api?header=" + parameter)
        }
    }

    @Test(arguments: ["Bad Name:v", "Bad%0AName:v", "(x):v", "%3Av"])
    func aHeaderNameThatIsNotAnHTTPTokenIsRejected(_ parameter: String) {
        #expect {
            try ZipkinConfiguration(parsing: "http://h/api?header=" + parameter)
        } throws: { error in
            guard let error = error as? ZipkinConfigurationError, case .invalidHeader = error else { return false }
            return !"\(error)".contains("\n")
        }
    }

    // MARK: Secrets

    @Test func printingAConfigurationNeverShowsItsSecrets() throws {
        let configuration = try ZipkinConfiguration(parsing:
            "https://admin:S3cretPW@zipkin.example:9411/api/v2/spans?header=X-Api-Key:TopSecretKey")
        #expect(configuration.redactedEndpoint == "https://***@zipkin.example:9411/api/v2/spans")
        for text in ["\(configuration)", String(describing: configuration), String(reflecting: configuration)] {
            #expect(!text.contains("S3cretPW") && !text.contains("admin") && !text.contains("TopSecretKey"), "\(text)")
            #expect(text.contains("https://***@zipkin.example:9411/api/v2/spans") && text.contains("X-Api-Key: ***"), "\(text)")
        }
    }

    @Test(arguments: [
        "ftp://admin:S3cretPW@h/api", "admin:S3cretPW@h:9411", "http://admin:S3cretPW@/api", "http://admin:S3cretPW@h:0/api",
        "http://admin:S3cretPW@h/api?batch_spans=0", "http://h/api?header=X-Key:S3cretPW%0A",
        "http://h/api?header=S3cretPW", "http://admin:S3cret%zzPW@h/api",
    ])
    func errorsNeverQuoteThePasswordOrAHeaderValue(_ text: String) {
        #expect {
            var configuration = try ZipkinConfiguration(parsing: text)
            configuration.maximumBatchSpans = 0
            try configuration.validate()
        } throws: { error in
            !"\(error)".contains("S3cret")
        }
    }

    @Test func valuesSetInCodeAreCheckedByValidate() {
        var configuration = ZipkinConfiguration()
        configuration.headers = [("X-Token", "line\r\nInjected: yes")]
        #expect(throws: ZipkinConfigurationError.invalidHeader(name: "X-Token", reason: "the value holds a control character")) {
            try configuration.validate()
        }
        configuration = ZipkinConfiguration()
        configuration.requestTimeout = .seconds(Int64.max)
        #expect(throws: ZipkinConfigurationError.outOfRange(
            name: "requestTimeout", value: "9223372036854775807s", allowed: "between 1ns and 3600s")) {
            try configuration.validate()
        }
        configuration = ZipkinConfiguration()
        configuration.endpoint = "http://u%zz:p@h/api"
        #expect(throws: ZipkinConfigurationError.invalidUserInfo("it holds an invalid percent-escape")) {
            try configuration.validate()
        }
    }
}
