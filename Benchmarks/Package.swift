// swift-tools-version: 6.1
import PackageDescription

// The benchmarks live in a package of their own so that users of the Dapper library never
// resolve package-benchmark (and its dependencies). Run from this directory:
//
//     swift package benchmark --target DapperBenchmarks --time-units nanoseconds
//
// package-benchmark 1.38.1 warns that `package-benchmark` is a legacy identifier (its new
// address is https://github.com/ordo-one/benchmark); only the old address is in the local
// package copy here, so keep it. The `MallocInterposer` trait alone: the default traits also
// pull swift-runtime-interposer, which is not available on this machine.
//
// The library is named explicitly (`name: "dapper-swift"`) so that the product reference does
// not depend on the name of the folder the repository is checked out in.
let package = Package(
    name: "DapperBenchmarks",
    platforms: [.macOS(.v15)],
    // For OTelComparison, the package beside this one, which runs the same bridge loop.
    products: [
        .library(name: "BenchmarkWorkloads", targets: ["BenchmarkWorkloads"]),
        .library(name: "BenchmarkSinks", targets: ["BenchmarkSinks"]),
    ],
    dependencies: [
        .package(name: "dapper-swift", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(
            url: "https://github.com/ordo-one/package-benchmark.git",
            exact: "1.38.1",
            traits: ["MallocInterposer"]
        ),
    ],
    targets: [
        // The agent benchmark's datagram reader (recvmmsg, which Swift's Glibc module lacks).
        .target(name: "CBenchReader", path: "CBenchReader"),
        // The loop bodies and the typical span both executables measure.
        .target(
            name: "BenchmarkWorkloads",
            dependencies: [
                .product(name: "Dapper", package: "dapper-swift"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "BenchmarkWorkloads"
        ),
        // The local HTTP sink of the reporter benchmarks, and the OTLP pipeline both executables
        // measure (OTelComparison runs it beside swift-otel's exporter).
        .target(
            name: "BenchmarkSinks",
            dependencies: [
                .product(name: "Dapper", package: "dapper-swift"),
                .product(name: "DapperOTLPWire", package: "dapper-swift"),
                .product(name: "DapperOTLP", package: "dapper-swift"),
                .product(name: "DapperReporting", package: "dapper-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "BenchmarkSinks"
        ),
        .executableTarget(
            name: "DapperBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "Dapper", package: "dapper-swift"),
                .product(name: "DapperWire", package: "dapper-swift"),
                .product(name: "DapperZipkinWire", package: "dapper-swift"),
                .product(name: "DapperAgent", package: "dapper-swift"),
                .product(name: "DapperCollector", package: "dapper-swift"),
                .product(name: "DapperZipkin", package: "dapper-swift"),
                .product(name: "DapperOTLPWire", package: "dapper-swift"),
                .product(name: "DapperTracing", package: "dapper-swift"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "BenchmarkSinks",
                "BenchmarkWorkloads",
                "CBenchReader",
            ],
            path: "DapperBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // The benchmarks' loops as a plain executable, for callgrind's instruction counts
        // (`bash instruction-counts.sh`).
        .executableTarget(
            name: "CallgrindLoops",
            dependencies: [
                "BenchmarkWorkloads",
                .product(name: "Dapper", package: "dapper-swift"),
                .product(name: "DapperTracing", package: "dapper-swift"),
                .product(name: "DapperWire", package: "dapper-swift"),
                .product(name: "DapperZipkinWire", package: "dapper-swift"),
                .product(name: "DapperOTLPWire", package: "dapper-swift"),
                .product(name: "DapperCollector", package: "dapper-swift"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "CallgrindLoops"
        ),
    ],
    swiftLanguageModes: [.v6]
)
