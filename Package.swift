// swift-tools-version:6.0
import PackageDescription

/// Targets that hold no NIO code are compiled in Swift 6 mode (strict concurrency);
/// the NIO-facing shell and the test support use Swift 5 mode to keep handler code plain.
let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "muc-component",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "muc-component", targets: ["muc-component"]),
        .executable(name: "scansion-run", targets: ["scansion-run"]),
        .executable(name: "muc-bench", targets: ["muc-bench"]),
        .library(name: "XMPPCore", targets: ["XMPPCore"]),
        .library(name: "MUC", targets: ["MUC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // libxml2 from the system (Debian: libxml2-dev).
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // glibc's allocator statistics and tuning (malloc.h).
        .systemLibrary(name: "CMalloc"),

        // XMPP core: element tree, serializer, JIDs, stanzas, stanza errors, data forms. No NIO, no storage.
        .target(name: "XMPPCore"),

        // XEP-0114's handshake digest, shared by the connector, the fake server and the load tool.
        .target(name: "ComponentHandshake", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // The libxml2 push parser for an XMPP stream.
        .target(name: "XMLStream", dependencies: ["CLibXML2", "XMPPCore"]),

        // The pure MUC service and room state machines.
        .target(name: "MUC", dependencies: ["XMPPCore"]),

        // Persistence: the RoomStore protocol and the in-memory store.
        .target(name: "RoomStore", dependencies: ["MUC", "XMPPCore"]),
        // SQLite backend (the embedded default), through GRDB.
        .target(name: "SQLiteStore", dependencies: ["RoomStore", "MUC", "XMPPCore", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: swift5),
        // PostgreSQL backend, through postgres-nio.
        .target(name: "PostgresStore", dependencies: [
            "RoomStore", "MUC", "XMPPCore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift5),

        // TOML configuration loading and validation.
        .target(name: "MUCConfig", dependencies: ["XMPPCore", "MUC", .product(name: "TOMLKit", package: "TOMLKit")], swiftSettings: swift5),

        // The XEP-0114 connector and the runtime that carries out the machines' actions.
        .target(name: "Component", dependencies: [
            "XMPPCore", "XMLStream", "MUC", "MUCConfig", "RoomStore", "SQLiteStore", "PostgresStore", "ComponentHandshake",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swift5),

        .executableTarget(name: "muc-component", dependencies: [
            "Component", "MUCConfig",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swift5),

        // Test support: a fake XMPP server that routes like a real one.
        .target(name: "FakeServer", dependencies: [
            "XMPPCore", "XMLStream", "ComponentHandshake",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift5),

        // Test support: the scansion script model, parser, matcher and substitutions, without NIO,
        // shared by the runner and the room machine's unit tests.
        .target(name: "ScansionCore", dependencies: ["XMPPCore", "XMLStream"], swiftSettings: swift5),

        // Test support: the scansion runner (fake server or real server).
        .target(name: "Scansion", dependencies: [
            "ScansionCore", "XMPPCore", "XMLStream", "FakeServer", "Component", "MUCConfig",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift5),

        .executableTarget(name: "scansion-run", dependencies: [
            "Scansion",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swift5),

        // The load generator: plays the XMPP server (direct mode) or attaches to a real one (server mode).
        .executableTarget(name: "muc-bench", dependencies: [
            "XMPPCore", "XMLStream", "ComponentHandshake", "Component", "MUCConfig", "CMalloc",
            "MUC", "RoomStore", "SQLiteStore", "PostgresStore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: swift5),

        .testTarget(name: "XMPPCoreTests", dependencies: ["XMPPCore"]),
        .testTarget(name: "XMLStreamTests", dependencies: ["XMLStream", "XMPPCore"]),
        .testTarget(name: "MUCTests", dependencies: ["MUC", "XMPPCore", "XMLStream", "ScansionCore"]),
        .testTarget(name: "StorageTests", dependencies: ["RoomStore", "SQLiteStore", "PostgresStore", "MUC", "XMPPCore"], swiftSettings: swift5),
        .testTarget(name: "MUCConfigTests", dependencies: ["MUCConfig", "MUC"], swiftSettings: swift5),
        .testTarget(name: "ComponentTests", dependencies: [
            "Component", "ComponentHandshake", "XMLStream", "XMPPCore", "MUCConfig", "RoomStore", "SQLiteStore", "FakeServer", "MUC",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift5),
        .testTarget(name: "ScansionTests", dependencies: ["Scansion", "ScansionCore", "FakeServer", "XMPPCore"], swiftSettings: swift5),
    ]
)
