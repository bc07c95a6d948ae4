// swift-tools-version: 6.1
import PackageDescription

// The core library (`Dapper`) depends on the standard library and `Synchronization`
// only, so a service that just needs the tracer pays nothing for the heavier
// layers (reporters with HTTP clients, bridges, the command-line tool).
let package = Package(
    name: "dapper-swift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Dapper", targets: ["Dapper"]),
        .library(name: "DapperTesting", targets: ["DapperTesting"]),
        .executable(name: "dapper", targets: ["dapper"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .target(name: "Dapper"),
        .target(name: "DapperTesting", dependencies: ["Dapper"]),
        .executableTarget(
            name: "dapper",
            dependencies: [
                "Dapper",
                "DapperTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer target for the span context parser: `bash Scripts/fuzz`.
        .executableTarget(name: "DapperFuzz", dependencies: ["Dapper"]),
        .testTarget(name: "DapperTests", dependencies: ["Dapper", "DapperTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
