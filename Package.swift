// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Augur",
    products: [
        .executable(name: "augur", targets: ["augur"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLDNS",
            pkgConfig: "ldns",
            providers: [.apt(["libldns-dev"])]
        ),
        .target(name: "CUDPBatch", exclude: ["README.md"]),
        .target(name: "Deadline", exclude: ["README.md"]),
        .target(name: "ConnectionCap", dependencies: [.product(name: "NIOCore", package: "swift-nio")], exclude: ["README.md"]),
        .target(
            name: "AugurModel",
            dependencies: [.product(name: "Yams", package: "Yams")],
            exclude: ["README.md"]
        ),
        .target(
            name: "Forecast",
            exclude: ["README.md"],
            // Numeric core: optimised even in debug builds, or the tests' model fits take minutes.
            swiftSettings: [.unsafeFlags(["-O"])]
        ),
        .target(name: "Optimizer", exclude: ["README.md"]),
        .target(
            name: "DNSBalancer",
            dependencies: [
                "ConnectionCap",
                "CLDNS",
                "CUDPBatch",
                "AugurModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "EdgeWire",
            dependencies: ["AugurModel"],
            exclude: ["README.md"]
        ),
        .target(
            name: "EdgeLink",
            dependencies: [
                "AugurModel",
                "EdgeWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "APIServing",
            dependencies: [
                "ConnectionCap",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "Planning",
            dependencies: ["AugurModel", "Deadline", "EdgeWire", "Forecast", "Optimizer"],
            exclude: ["README.md"]
        ),
        .target(
            name: "EdgeOperator",
            dependencies: [
                "APIServing",
                "AugurModel",
                "Deadline",
                "EdgeLink",
                "EdgeWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "Orchestrator",
            dependencies: [
                "AugurModel",
                "Deadline",
                "DNSBalancer",
                "EdgeLink",
                "EdgeWire",
                "Optimizer",
                "Planning",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "ControlAPI",
            dependencies: [
                "APIServing",
                "AugurModel",
                "DNSBalancer",
                "EdgeWire",
                "Orchestrator",
                "Planning",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "augur",
            dependencies: [
                "APIServing",
                "ControlAPI",
                "EdgeLink",
                "EdgeWire",
                "Planning",
                "AugurModel",
                "Dashboard",
                "DNSBalancer",
                "EdgeOperator",
                "Forecast",
                "Optimizer",
                "Orchestrator",
                "Replay",
                "TestbedNetwork",
                "Workload",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "Dashboard",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["README.md"],
            resources: [.embedInCode("Assets/dashboard.html"), .embedInCode("Assets/dashboard.js"), .embedInCode("Assets/dashboard.css")]
        ),
        .executableTarget(name: "forecast-bench", dependencies: ["Forecast"], exclude: ["README.md"]),
        .executableTarget(name: "respond-bench", dependencies: ["DNSBalancer"], exclude: ["README.md"]),
        .executableTarget(
            name: "loop-bench",
            dependencies: [
                "AugurModel", "ControlAPI", "Dashboard", "DNSBalancer", "EdgeWire", "Orchestrator", "Planning", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "Workload",
            dependencies: [
                "AugurModel",
                "Deadline",
                "DNSBalancer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "Replay",
            dependencies: [
                "AugurModel",
                "DNSBalancer",
                "EdgeLink",
                "EdgeOperator",
                "EdgeWire",
                "Orchestrator",
                "Planning",
                "TestbedNetwork",
                "Workload",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            exclude: ["README.md"]
        ),
        .target(
            name: "TestbedNetwork",
            dependencies: [
                "AugurModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            exclude: ["README.md"]
        ),
        .target(name: "TestSupport", dependencies: ["AugurModel", "EdgeWire", .product(name: "Logging", package: "swift-log")], exclude: ["README.md"]),
        .target(name: "RealServices", exclude: ["README.md"]),
        .testTarget(name: "AugurModelTests", dependencies: ["AugurModel", "TestSupport"]),
        .testTarget(name: "ForecastTests", dependencies: ["Forecast"], exclude: ["Fixtures"]),
        .testTarget(name: "augurTests", dependencies: ["augur", "TestSupport", "Workload"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "Workload", "Orchestrator", "EdgeOperator", "EdgeWire", "AugurModel", "TestSupport"]),
        .testTarget(name: "OptimizerTests", dependencies: ["Optimizer"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "EdgeWire", "Forecast", "Optimizer", "TestSupport"]),
        .testTarget(name: "WorkloadTests", dependencies: ["Workload", "DNSBalancer", "AugurModel", "Deadline", "TestSupport"]),
        .testTarget(name: "UnikernelTests", dependencies: ["TestSupport"]),
        .testTarget(name: "TestbedNetworkTests", dependencies: ["TestbedNetwork", "AugurModel", "TestSupport"]),
        .testTarget(
            name: "OrchestratorTests",
            dependencies: [
                "Orchestrator", "ControlAPI", "Dashboard", "EdgeLink", "EdgeOperator", "EdgeWire", "DNSBalancer", "AugurModel", "Optimizer", "Planning",
                "RealServices", "Replay", "TestSupport", "Workload",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "EdgeOperatorTests",
            dependencies: [
                "EdgeOperator",
                "RealServices",
                "APIServing",
                "EdgeLink",
                "EdgeWire",
                "AugurModel",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ],
            exclude: ["Doubles"]
        ),
        .testTarget(
            name: "DNSBalancerTests",
            dependencies: ["DNSBalancer", "AugurModel", "TestSupport"],
            exclude: ["Corpus"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
