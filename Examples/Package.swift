// swift-tools-version: 6.1
import PackageDescription

// The demo lives in a package of its own so that the library's users never resolve what only
// the demo needs nor see `dapper-demo` among its products, and so that the demo, like any
// service, can use only the library's public API. From the repository:
//
//     bash Scripts/demo            # builds and runs `dapper-demo`
//     bash Scripts/test            # runs these tests too
//
// The library is named explicitly (`name: "dapper-swift"`) so that the product references do
// not depend on the name of the folder the repository is checked out in.
let package = Package(
    name: "dapper-examples",
    products: [
        .executable(name: "dapper-demo", targets: ["DapperDemo"]),
    ],
    dependencies: [
        .package(name: "dapper-swift", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    ],
    targets: [
        // The demo's three services (gateway, user, order) and the collector around them; a
        // library so that the tests run the same services.
        .target(
            name: "DapperDemoServices",
            dependencies: [
                .product(name: "Dapper", package: "dapper-swift"),
                .product(name: "DapperAgent", package: "dapper-swift"),
                .product(name: "DapperCollector", package: "dapper-swift"),
                .product(name: "DapperZipkin", package: "dapper-swift"),
                .product(name: "DapperOTLP", package: "dapper-swift"),
                .product(name: "DapperReporting", package: "dapper-swift"),
                .product(name: "DapperTracing", package: "dapper-swift"),
                .product(name: "DapperHummingbird", package: "dapper-swift"),
                .product(name: "DapperGRPC", package: "dapper-swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "DapperDemo",
            dependencies: [
                "DapperDemoServices",
                .product(name: "DapperZipkin", package: "dapper-swift"),
                .product(name: "DapperOTLP", package: "dapper-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "DapperDemoTests",
            dependencies: [
                "DapperDemoServices",
                .product(name: "Dapper", package: "dapper-swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
