// swift-tools-version: 6.1
import PackageDescription

// One module per layer, arrows pointing down (see README, "Layout"):
//   Tools:      DapperCommand (the `dapper` executable) -> DapperCollector (AgentListener,
//               SpanDecoder) -> DapperAgent; DapperCommand -> DapperZipkin too
//   Exporters:  DapperAgent (the agent reporter), DapperZipkin (the Zipkin reporter), DapperOTLP
//               (the OTLP exporter) -> DapperReporting (the pipeline); DapperZipkin and
//               DapperOTLP share DapperExporterSupport; DapperOTLP -> DapperOTLPGRPC (OTLP/gRPC's
//               client: the request's bytes in, the response's or a classified failure out, on
//               CDapperGRPCStatusProto for the RetryInfo in a failed call's status details)
//   Instrumentation: DapperHummingbird, DapperGRPC -> DapperTracing (swift-distributed-tracing)
//   Wire:       DapperZipkinWire (Zipkin JSON, and proto3 on CDapperZipkinProto), DapperOTLPWire
//               (OTLP's export request on CDapperOTLPProto) -> DapperWire (span.proto on
//               CDapperSpanProto, which DapperAgent and DapperCollector use)
//   Core:       Dapper (standard library only)
// Each side pays only for what it uses: a service that just needs the tracer builds the core;
// one that reports to the agent builds neither the receiving side (DapperCollector) nor any
// Zipkin code; the Zipkin reporter builds no collector. The wire layer needs Debian's
// libprotobuf-c-dev and nothing else (the generated C is committed).
//
// The demo (`Examples/`, `bash Scripts/demo`), the libFuzzer targets (`Fuzz/`, `bash
// Scripts/fuzz`) and the benchmarks (`Benchmarks/`) are packages of their own that depend on
// this one by path: they use only its public API, and none of them is a product of the library.
// grpc-swift's NIO transport, which the demo's servers and clients use, is a dependency of the
// library only through the OTLPGRPC trait (OTLP/gRPC's client).
//
// Linux only, for now (README, "Platforms"): the sockets, threads and clocks are Glibc's
// (`sendmmsg`, `recvmmsg`, `pthread_condattr_setclock`), so no Apple platform is declared.
let package = Package(
    name: "dapper-swift",
    products: [
        .library(name: "Dapper", targets: ["Dapper"]),
        .library(name: "DapperTesting", targets: ["DapperTesting"]),
        .library(name: "DapperReporting", targets: ["DapperReporting"]),
        .library(name: "DapperWire", targets: ["DapperWire"]),
        .library(name: "DapperZipkinWire", targets: ["DapperZipkinWire"]),
        .library(name: "DapperOTLPWire", targets: ["DapperOTLPWire"]),
        .library(name: "DapperAgent", targets: ["DapperAgent"]),
        .library(name: "DapperCollector", targets: ["DapperCollector"]),
        .library(name: "DapperZipkin", targets: ["DapperZipkin"]),
        .library(name: "DapperOTLP", targets: ["DapperOTLP"]),
        .library(name: "DapperTracing", targets: ["DapperTracing"]),
        .library(name: "DapperHummingbird", targets: ["DapperHummingbird"]),
        .library(name: "DapperGRPC", targets: ["DapperGRPC"]),
        .executable(name: "dapper", targets: ["DapperCommand"]),
    ],
    // Each integration that needs packages of its own is a trait, on by default as swift-otel's
    // exporters are; a package that turns one off (`traits: []` on its `.package` line) never
    // fetches that integration's packages (README, "Installation").
    traits: [
        .trait(
            name: "Zipkin",
            description: "DapperZipkin, the Zipkin reporter: AsyncHTTPClient, SwiftNIO, swift-log."
        ),
        .trait(
            name: "OTLPHTTP",
            description: "DapperOTLP's OTLP/HTTP transport (http/protobuf, optional gzip): AsyncHTTPClient, SwiftNIO, swift-log, the system's zlib."
        ),
        .trait(
            name: "DistributedTracing",
            description: "DapperTracing, the swift-distributed-tracing bridge: swift-distributed-tracing, swift-log, swift-service-lifecycle."
        ),
        .trait(
            name: "Hummingbird",
            description: "DapperHummingbird, middleware for Hummingbird 2.",
            enabledTraits: ["DistributedTracing"]
        ),
        .trait(
            name: "GRPC",
            description: "DapperGRPC, interceptors for grpc-swift-2.",
            enabledTraits: ["DistributedTracing"]
        ),
        .trait(
            name: "OTLPGRPC",
            description: "DapperOTLP's OTLP/gRPC transport: grpc-swift-2 and grpc-swift-nio-transport."
        ),
        .trait(
            name: "Command",
            description: "The dapper command-line tool (the agent): swift-argument-parser, and the Zipkin, OTLPHTTP and OTLPGRPC traits.",
            enabledTraits: ["Zipkin", "OTLPHTTP", "OTLPGRPC"]
        ),
        .default(enabledTraits: ["Zipkin", "OTLPHTTP", "OTLPGRPC", "DistributedTracing", "Hummingbird", "GRPC", "Command"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    ],
    targets: [
        // One C thread-local variable: Swift has none, and the hot path reaches it several times a span.
        .target(name: "CDapperThreadLocal", path: "Sources/Core/CDapperThreadLocal"),
        .target(name: "Dapper", dependencies: ["CDapperThreadLocal"], path: "Sources/Core/Dapper"),
        .target(name: "DapperTesting", dependencies: ["Dapper"], path: "Sources/Core/DapperTesting"),
        // The reporting pipeline (queue, thread, batching, retries, flush and close) that the
        // agent and Zipkin exporters, and anyone's own, plug into.
        .target(
            name: "DapperReporting",
            dependencies: ["Dapper", .product(name: "CoreMetrics", package: "swift-metrics")],
            path: "Sources/Reporting/DapperReporting"
        ),
        .systemLibrary(
            name: "CProtobufC", path: "Sources/Wire/CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        // Generated from Protos/ by Scripts/generate-protos; committed so that a build needs
        // no protobuf compiler. One target per message set: span.proto (with the well-known
        // types it imports) for the agent's encoding, zipkin.proto for Zipkin's, OTLP's trace
        // export request for OTLP's, so that an agent reporter's user compiles neither of the others.
        .target(name: "CDapperSpanProto", dependencies: ["CProtobufC"], path: "Sources/Wire/CDapperSpanProto"),
        .target(name: "CDapperZipkinProto", dependencies: ["CProtobufC"], path: "Sources/Wire/CDapperZipkinProto"),
        .target(name: "CDapperOTLPProto", dependencies: ["CProtobufC"], path: "Sources/Wire/CDapperOTLPProto"),
        // google.rpc.Status, google.protobuf.Any and google.rpc.RetryInfo, which an OTLP/gRPC
        // server's throttling answer carries; its Duration is span.proto's target's.
        .target(
            name: "CDapperGRPCStatusProto", dependencies: ["CProtobufC", "CDapperSpanProto"],
            path: "Sources/Wire/CDapperGRPCStatusProto"),
        .target(name: "DapperWire", dependencies: ["Dapper", "CProtobufC", "CDapperSpanProto"], path: "Sources/Wire/DapperWire"),
        // Zipkin's encodings (v2 JSON, proto3): for the Zipkin reporter and the collector's
        // output, kept out of DapperWire so that the agent reporter does not compile them.
        .target(
            name: "DapperZipkinWire", dependencies: ["Dapper", "DapperWire", "CProtobufC", "CDapperZipkinProto"],
            path: "Sources/Wire/DapperZipkinWire"),
        // OTLP's encoding (ExportTraceServiceRequest): for an OTLP exporter, kept out of
        // DapperWire for the same reason as Zipkin's.
        .target(
            name: "DapperOTLPWire", dependencies: ["Dapper", "DapperWire", "CProtobufC", "CDapperOTLPProto"],
            path: "Sources/Wire/DapperOTLPWire"),
        // sendmmsg, which Swift's Glibc module does not expose.
        .target(name: "CDapperSocket", path: "Sources/Exporters/CDapperSocket"),
        // The agent reporter: the client side only (encoding, connection, DSN).
        .target(name: "DapperAgent", dependencies: ["Dapper", "DapperReporting", "DapperWire", "CDapperSocket"], path: "Sources/Exporters/DapperAgent"),
        // What the HTTP exporters share (rate-limited logs; URL text: redaction, percent-decoding;
        // AsyncHTTPClient's deadlines and errors), for DapperZipkin and DapperOTLP; not a product.
        .target(
            name: "DapperExporterSupport",
            dependencies: [
                "Dapper",
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Zipkin", "OTLPHTTP", "OTLPGRPC"])),
                .product(name: "AsyncHTTPClient", package: "async-http-client", condition: .when(traits: ["Zipkin", "OTLPHTTP"])),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["Zipkin", "OTLPHTTP"])),
            ],
            path: "Sources/Exporters/DapperExporterSupport"
        ),
        // The system's zlib, for OTLP/HTTP's gzip bodies.
        .systemLibrary(
            name: "CDapperZlib", path: "Sources/Exporters/CDapperZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The Zipkin reporter: the one layer with an HTTP client, so that only its users build it.
        .target(
            name: "DapperZipkin",
            dependencies: [
                "Dapper", "DapperReporting", "DapperZipkinWire",
                .target(name: "DapperExporterSupport", condition: .when(traits: ["Zipkin"])),
                .product(name: "AsyncHTTPClient", package: "async-http-client", condition: .when(traits: ["Zipkin"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Zipkin"])),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["Zipkin"])),
                .product(name: "NIOHTTP1", package: "swift-nio", condition: .when(traits: ["Zipkin"])),
            ],
            path: "Sources/Exporters/DapperZipkin"
        ),
        // The OTLP exporter: OTLP/HTTP (trait OTLPHTTP) and OTLP/gRPC (trait OTLPGRPC) behind one
        // transport seam, on DapperOTLPWire's encoding.
        .target(
            name: "DapperOTLP",
            dependencies: [
                "Dapper", "DapperReporting", "DapperOTLPWire",
                .target(name: "DapperExporterSupport", condition: .when(traits: ["OTLPHTTP", "OTLPGRPC"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["OTLPHTTP", "OTLPGRPC"])),
                .target(name: "CDapperZlib", condition: .when(traits: ["OTLPHTTP"])),
                .product(name: "AsyncHTTPClient", package: "async-http-client", condition: .when(traits: ["OTLPHTTP"])),
                .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["OTLPHTTP"])),
                .product(name: "NIOHTTP1", package: "swift-nio", condition: .when(traits: ["OTLPHTTP"])),
                .target(name: "DapperOTLPGRPC", condition: .when(traits: ["OTLPGRPC"])),
            ],
            path: "Sources/Exporters/DapperOTLP"
        ),
        // OTLP/gRPC's client (`TraceService/Export` over grpc-swift-2's HTTP/2 transport, the
        // request's protobuf bytes as they are), which the OTLP exporter sends through. Its API
        // is `package` only, so it is no product and has no DocC catalog.
        .target(
            name: "DapperOTLPGRPC",
            dependencies: [
                "Dapper",
                .target(name: "CProtobufC", condition: .when(traits: ["OTLPGRPC"])),
                .target(name: "CDapperGRPCStatusProto", condition: .when(traits: ["OTLPGRPC"])),
                .product(name: "GRPCCore", package: "grpc-swift-2", condition: .when(traits: ["OTLPGRPC"])),
                .product(
                    name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport",
                    condition: .when(traits: ["OTLPGRPC"])),
            ],
            path: "Sources/Exporters/DapperOTLPGRPC"
        ),
        // The bridge to swift-distributed-tracing, swift-log and swift-service-lifecycle: what
        // makes Hummingbird, AsyncHTTPClient and gRPC code report through Dapper.
        .target(
            name: "DapperTracing",
            dependencies: [
                "Dapper",
                .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["DistributedTracing"])),
                .product(name: "Instrumentation", package: "swift-distributed-tracing", condition: .when(traits: ["DistributedTracing"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["DistributedTracing"])),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["DistributedTracing"])),
            ],
            path: "Sources/Instrumentation/DapperTracing"
        ),
        // Kratos conventions on top of Hummingbird's own TracingMiddleware.
        .target(
            name: "DapperHummingbird",
            dependencies: [
                "Dapper", "DapperTracing",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["Hummingbird"])),
            ],
            path: "Sources/Instrumentation/DapperHummingbird"
        ),
        // gRPC server and client interceptors (grpc-swift-2 has none for tracing).
        .target(
            name: "DapperGRPC",
            dependencies: [
                "Dapper", "DapperTracing",
                .product(name: "GRPCCore", package: "grpc-swift-2", condition: .when(traits: ["GRPC"])),
                .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["GRPC"])),
            ],
            path: "Sources/Instrumentation/DapperGRPC"
        ),
        // The receiving side of the agent protocol (AgentListener, SpanDecoder), for the `dapper`
        // command and anyone's own collector: a service that only reports spans never builds it.
        // recvmmsg, accept4 and pipe2, which Swift's Glibc module does not expose.
        .target(name: "CDapperCollectorSocket", path: "Sources/Tools/CDapperCollectorSocket"),
        .target(
            name: "DapperCollector",
            dependencies: ["Dapper", "DapperWire", "DapperAgent", "CDapperCollectorSocket", "CProtobufC", "CDapperSpanProto"],
            path: "Sources/Tools/DapperCollector"),
        .executableTarget(
            name: "DapperCommand",
            dependencies: [
                "Dapper",
                "DapperZipkinWire",
                "DapperAgent",
                "DapperCollector",
                "DapperZipkin",
                "DapperOTLP",
                "DapperReporting",
                .product(name: "ArgumentParser", package: "swift-argument-parser", condition: .when(traits: ["Command"])),
            ],
            path: "Sources/Tools/DapperCommand"
        ),
        .testTarget(name: "DapperTests", dependencies: ["Dapper", "DapperTesting"]),
        .testTarget(
            name: "DapperReportingTests",
            dependencies: [
                "Dapper", "DapperReporting", "DapperTesting",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        // The fixtures of Tests/Fixtures as spans, and seeded random spans, for the encoders'
        // and the decoder's tests in three targets.
        .target(name: "DapperWireTestSupport", dependencies: ["Dapper", "DapperTesting"], path: "Tests/DapperWireTestSupport"),
        // The encoder's tests check what it wrote with the collector's decoder.
        .testTarget(name: "DapperWireTests", dependencies: ["Dapper", "DapperWire", "DapperCollector", "DapperTesting", "DapperWireTestSupport"]),
        .testTarget(
            name: "DapperZipkinWireTests",
            dependencies: [
                "Dapper", "DapperZipkinWire", "DapperTesting", "DapperWireTestSupport", "CDapperZipkinProto", "CProtobufC",
            ]),
        .testTarget(
            name: "DapperOTLPWireTests",
            dependencies: [
                "Dapper", "DapperOTLPWire", "DapperTesting", "DapperWireTestSupport", "CDapperOTLPProto", "CProtobufC",
            ]),
        // A started listener, a running `dapper agent`, received spans and sample spans, for the reporter's tests (against a
        // real listener) and the collector's (against real senders).
        .target(
            name: "DapperAgentTestSupport", dependencies: ["Dapper", "DapperAgent", "DapperCollector"],
            path: "Tests/DapperAgentTestSupport"),
        .testTarget(name: "DapperAgentTests", dependencies: ["Dapper", "DapperAgent", "DapperCollector", "DapperTesting", "DapperAgentTestSupport"]),
        .testTarget(
            name: "DapperCollectorTests",
            dependencies: [
                "Dapper", "DapperWire", "DapperZipkinWire", "DapperAgent", "DapperCollector", "DapperAgentTestSupport",
                "DapperWireTestSupport",
            ]),
        .testTarget(
            name: "DapperTracingTests",
            dependencies: [
                "Dapper", "DapperTracing", "DapperTesting",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "DapperGRPCTests",
            dependencies: [
                "Dapper", "DapperTracing", "DapperGRPC", "DapperTesting",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Against a real grpc-swift HTTP/2 server on loopback, and (Scripts/test) a receiver
        // built from opentelemetry-proto's Python service.
        .testTarget(
            name: "DapperOTLPGRPCTests",
            dependencies: [
                "Dapper", "DapperOTLPGRPC", "DapperOTLPWire", "DapperOTLP", "DapperReporting", "DapperHTTPTestSupport",
                "CDapperGRPCStatusProto", "CDapperSpanProto", "CProtobufC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ]
        ),
        .testTarget(
            name: "DapperHummingbirdTests",
            dependencies: [
                "Dapper", "DapperTracing", "DapperHummingbird", "DapperTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // A real HTTP server that keeps what it receives and answers as scripted, and a log
        // handler that keeps what it is given: for the HTTP exporters' tests.
        .target(
            name: "DapperHTTPTestSupport",
            dependencies: [
                "Dapper", "CDapperOTLPProto", "CProtobufC", "CDapperZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/DapperHTTPTestSupport"),
        .testTarget(
            name: "DapperZipkinTests",
            dependencies: [
                "Dapper", "DapperReporting", "DapperZipkinWire", "DapperZipkin", "DapperAgent", "DapperCollector",
                "DapperTesting", "DapperHTTPTestSupport", "DapperAgentTestSupport", "CDapperZipkinProto", "CProtobufC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "DapperOTLPTests",
            dependencies: [
                "Dapper", "DapperReporting", "DapperOTLPWire", "DapperOTLP", "DapperExporterSupport", "DapperTesting", "DapperHTTPTestSupport",
                "DapperAgentTestSupport",
                "DapperWireTestSupport", "CDapperOTLPProto", "CProtobufC", "CDapperZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
