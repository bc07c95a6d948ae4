// swift-tools-version: 6.1
import PackageDescription

// The libFuzzer targets (the span context parser, the span.proto decoder) live in a package of
// their own so that they are no product of the library and fuzz only its public API. Built by
// `bash Scripts/fuzz` with `-sanitize=fuzzer,address`; built plainly (`swift build`), the
// executable replays the inputs it is given, a crash artifact say.
//
// The library is named explicitly (`name: "dapper-swift"`) so that the product references do
// not depend on the name of the folder the repository is checked out in.
let package = Package(
    name: "dapper-fuzz",
    dependencies: [
        .package(name: "dapper-swift", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "DapperFuzz",
            dependencies: [
                .product(name: "Dapper", package: "dapper-swift"),
                .product(name: "DapperWire", package: "dapper-swift"),
                .product(name: "DapperCollector", package: "dapper-swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
