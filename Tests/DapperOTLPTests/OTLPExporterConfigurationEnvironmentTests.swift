import DapperOTLP
import Testing

/// The standard `OTEL_*` variables, read as OpenTelemetry SDKs read them.
@Suite struct OTLPExporterConfigurationEnvironmentTests {
    @Test func anEmptyEnvironmentGivesTheSpecificationsDefaults() throws {
        let configuration = try OTLPExporterConfiguration(environment: [:])
        #expect(configuration == OTLPExporterConfiguration())
        #expect(configuration.protocol == .httpProtobuf)
        #expect(configuration.resolvedEndpoint == "http://localhost:4318/v1/traces")
        #expect(configuration.headers.isEmpty)
        #expect(configuration.compression == OTLPCompression.none)
        #expect(configuration.timeout == .seconds(10))
        #expect(configuration.serviceName == "unknown_service")
    }

    @Test func grpcDefaultsToPort4317() throws {
        let configuration = try OTLPExporterConfiguration(environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
        #expect(configuration.protocol == .grpc)
        #expect(configuration.resolvedEndpoint == "http://localhost:4317")
    }

    @Test func theGeneralEndpointIsABaseToWhichHTTPAppendsTheTracesPath() throws {
        for base in ["http://collector:4318", "http://collector:4318/"] {
            let configuration = try OTLPExporterConfiguration(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": base])
            #expect(configuration.resolvedEndpoint == "http://collector:4318/v1/traces")
        }
        let prefixed = try OTLPExporterConfiguration(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "https://gateway/otlp"])
        #expect(prefixed.resolvedEndpoint == "https://gateway/otlp/v1/traces")
        let grpc = try OTLPExporterConfiguration(environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        ])
        #expect(grpc.resolvedEndpoint == "http://collector:4317")
    }

    @Test func theTracesEndpointIsUsedAsItIsAndWinsOverTheGeneralOne() throws {
        let configuration = try OTLPExporterConfiguration(environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://general:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/custom/path",
        ])
        #expect(configuration.resolvedEndpoint == "http://traces:9999/custom/path")
    }

    @Test func signalSpecificVariablesWinOverTheGeneralOnes() throws {
        let configuration = try OTLPExporterConfiguration(environment: [
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_HEADERS": "general=1", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "traces=2",
            "OTEL_EXPORTER_OTLP_COMPRESSION": "none", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "1000", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2500",
        ])
        #expect(configuration.protocol == .httpProtobuf)
        #expect(configuration.headers == [.init(name: "traces", value: "2")])
        #expect(configuration.compression == .gzip)
        #expect(configuration.timeout == .milliseconds(2500))
    }

    @Test func theGeneralVariablesApplyWhenNoSignalSpecificOneIsSet() throws {
        let configuration = try OTLPExporterConfiguration(environment: [
            "OTEL_EXPORTER_OTLP_HEADERS": "a=1", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_TIMEOUT": "750",
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "",
        ])
        #expect(configuration.headers == [.init(name: "a", value: "1")])
        #expect(configuration.compression == .gzip)
        #expect(configuration.timeout == .milliseconds(750))
    }

    @Test func headersAreTrimmedAndPercentDecoded() throws {
        let configuration = try OTLPExporterConfiguration(environment: [
            "OTEL_EXPORTER_OTLP_HEADERS": " Authorization = Bearer%20abc%2Cdef , x-api-key=k%3Dv,,"
        ])
        #expect(configuration.headers == [
            .init(name: "Authorization", value: "Bearer abc,def"), .init(name: "x-api-key", value: "k=v"),
        ])
    }

    @Test func theServiceNameVariableWinsOverTheResourceAttributes() throws {
        let attributes = "service.name=from-attributes,deployment.environment=prod%20eu,team=a%3Db"
        let fromAttributes = try OTLPExporterConfiguration(environment: ["OTEL_RESOURCE_ATTRIBUTES": attributes])
        #expect(fromAttributes.serviceName == "from-attributes")
        #expect(fromAttributes.resourceAttributes.map(\.key) == ["deployment.environment", "team"])
        #expect(fromAttributes.resourceAttributes.map(\.value) == ["prod eu", "a=b"])
        let both = try OTLPExporterConfiguration(environment: ["OTEL_RESOURCE_ATTRIBUTES": attributes, "OTEL_SERVICE_NAME": "user-service"])
        #expect(both.serviceName == "user-service")
        #expect(both.resource.serviceName == "user-service")
    }

    @Test(arguments: [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/xml"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "GRPC"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://collector/v1/traces"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "novalue"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "=value"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=v"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"),
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "GZIP "),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "-5"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "99999999999999999999"),
        ("OTEL_RESOURCE_ATTRIBUTES", "justakey"),
        ("OTEL_RESOURCE_ATTRIBUTES", "k=%zz"),
    ])
    func aMalformedValueIsATypedErrorNamingItsVariable(variable: String, value: String) {
        #expect {
            try OTLPExporterConfiguration(environment: [variable: value])
        } throws: { error in
            guard let error = error as? OTLPConfigurationError else { return false }
            return "\(error)".hasPrefix(variable + ":")
        }
    }

    @Test func httpJSONIsNamedUnsupported() {
        #expect(throws: OTLPConfigurationError.unsupportedProtocol(source: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", value: "http/json")) {
            try OTLPExporterConfiguration(environment: ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"])
        }
    }

    @Test(arguments: [
        "Authorization=Bearer%20s3cr3t-token,bad name=s3cr3t-two",
        "Authorization=s3cr3t%0Ainjected",
        "Authorization=s3cr3t%zz",
        "x=s3cr3t,y",
    ])
    func headerValuesNeverAppearInErrors(headers: String) {
        #expect {
            try OTLPExporterConfiguration(environment: ["OTEL_EXPORTER_OTLP_HEADERS": headers])
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("OTEL_EXPORTER_OTLP_HEADERS:") && !text.contains("s3cr3t")
        }
    }

    @Test func descriptionsHideHeaderValuesAndUserInfo() throws {
        var configuration = try OTLPExporterConfiguration(environment: ["OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20s3cr3t"])
        configuration.endpoint = "https://user:pa55word@collector:4318/v1/traces"
        for text in ["\(configuration)", String(reflecting: configuration), "\(configuration.headers)"] {
            #expect(!text.contains("s3cr3t"), "\(text)")
            #expect(!text.contains("pa55word"), "\(text)")
            #expect(text.contains("Authorization: ***"), "\(text)")
        }
        #expect("\(configuration)".contains("https://***@collector:4318/v1/traces"))
    }

    @Test func userInfoInAnEndpointIsRefusedWithoutPrintingIt() {
        #expect {
            try OTLPExporterConfiguration(environment: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://user:pa55word@collector/v1/traces"])
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:") && !text.contains("pa55word") && text.contains("***")
        }
    }

    @Test func peerTextInAnErrorIsEscaped() {
        #expect {
            try OTLPExporterConfiguration(environment: ["OTEL_EXPORTER_OTLP_COMPRESSION": "gz\u{1b}[31mip"])
        } throws: { error in
            !"\(error)".contains("\u{1b}")
        }
    }

    @Test func valuesSetInCodeAreCheckedByTheExporter() {
        var configuration = OTLPExporterConfiguration()
        configuration.timeout = .zero
        #expect(throws: OTLPExporterError.self) { try OTLPExporter(configuration: configuration) }
        configuration = OTLPExporterConfiguration()
        configuration.maximumRequestBytes = 10
        #expect(throws: OTLPExporterError.invalidConfiguration(.outOfRange(
            name: "maximumRequestBytes", value: "10", allowed: "between 1024 and 67108864"))) {
            try OTLPExporter(configuration: configuration)
        }
        configuration = OTLPExporterConfiguration()
        configuration.headers = [.init(name: "X-Token", value: "s3cr3t\r\nInjected: 1")]
        #expect {
            try OTLPExporter(configuration: configuration)
        } throws: { error in
            !"\(error)".contains("s3cr3t")
        }
    }

    @Test func aReceiversURLChoosesTheProtocolByItsPortAndGetsTheHTTPPath() throws {
        let grpc = try OTLPExporterConfiguration(url: "http://collector:4317", environment: [:])
        #expect(grpc.protocol == .grpc && grpc.endpoint == "http://collector:4317")
        let http = try OTLPExporterConfiguration(url: "http://collector:4318", environment: [:])
        #expect(http.protocol == .httpProtobuf && http.endpoint == "http://collector:4318/v1/traces")
        let path = try OTLPExporterConfiguration(url: "https://tempo.example/otlp/v1/traces", environment: [:])
        #expect(path.protocol == .httpProtobuf && path.endpoint == "https://tempo.example/otlp/v1/traces")
    }

    @Test func anExplicitProtocolWinsOverTheVariableWhichWinsOverThePort() throws {
        let chosen = try OTLPExporterConfiguration(url: "http://collector:4317", protocol: .httpProtobuf, environment: [:])
        #expect(chosen.protocol == .httpProtobuf && chosen.endpoint == "http://collector:4317/v1/traces")
        let variable = try OTLPExporterConfiguration(
            url: "http://collector:9000", environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"])
        #expect(variable.protocol == .grpc && variable.endpoint == "http://collector:9000" && variable.compression == .gzip)
    }

    @Test func aReceiversURLWithAMalformedVariableOrUserInfoIsATypedError() {
        #expect {
            try OTLPExporterConfiguration(url: "http://collector:4317", environment: ["OTEL_EXPORTER_OTLP_TIMEOUT": "soon"])
        } throws: { error in
            "\(error)".contains("OTEL_EXPORTER_OTLP_TIMEOUT")
        }
        #expect {
            try OTLPExporterConfiguration(url: "http://user:pa55word@collector:4318", environment: [:])
        } throws: { error in
            !"\(error)".contains("pa55word")
        }
    }
}
