// swift-tools-version: 6.1
import PackageDescription

// The bridge's legacy loop beside swift-otel's, and Dapper's OTLP exporter beside swift-otel's
// (OTLPComparison.swift), in one benchmark run. A package of its own:
// swift-otel with its default traits (it does not build on Linux without them) takes about
// 8 minutes to build, which neither the library's users nor CI should pay. Run from here:
//
//     swift package benchmark --target OTelComparison --time-units nanoseconds
//
// (package-benchmark runs the targets whose folder sits in a folder named `Benchmarks`.)
let package = Package(
    name: "OTelComparison",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "dapper-swift", path: "../.."),
        // The loop it runs, shared with DapperBenchmarks (BenchmarkWorkloads).
        .package(name: "DapperBenchmarks", path: ".."),
        .package(url: "https://github.com/swift-otel/swift-otel.git", exact: "1.6.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "OTelComparison",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "BenchmarkWorkloads", package: "DapperBenchmarks"),
                .product(name: "BenchmarkSinks", package: "DapperBenchmarks"),
                .product(name: "Dapper", package: "dapper-swift"),
                .product(name: "DapperTracing", package: "dapper-swift"),
                .product(name: "DapperOTLP", package: "dapper-swift"),
                .product(name: "DapperReporting", package: "dapper-swift"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/OTelComparison",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
