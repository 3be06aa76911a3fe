// swift-tools-version:6.1
//
// Candor: audits language models for censorship and unsafe behaviour.
//
// The module graph runs one way, following the data:
//
//   CPCRE2 ─ PCRE2 ─┬──────────────────────────────┐
//                   │                              │
//   LLMGGUF ─ LLMKernels ─ LLMTokenizers ─ LLMEngine ─ LLMCatalog     (the inference engine: no audit knowledge)
//                                              │
//   CandorCore ─ CandorYAML                    │                      (domain values; declared data)
//        │                                     │
//        ├── CandorStore (GRDB/SQLite)         │
//        └── CandorClassifiers ────────────────┘  (PCRE2 detectors + MiniLM embeddings)
//                                  │
//                               candor (CLI)
//
// Nothing in LLM* imports a Candor* module. CandorCore imports no HTTP, SQL or engine module.
import PackageDescription

// MARK: - Settings shared by every target

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// MARK: - Dependencies (local copies at listed versions)

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let yams = Target.Dependency.product(name: "Yams", package: "Yams")
let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")

let package = Package(
    name: "Candor",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "candor", targets: ["candor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // MARK: - System libraries

        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        .target(name: "PCRE2", dependencies: ["CPCRE2"], swiftSettings: swiftSettings),

        // MARK: - Inference engine (knows nothing of audits)

        .target(name: "LLMGGUF", swiftSettings: swiftSettings),
        .target(name: "LLMKernels", swiftSettings: swiftSettings),
        .target(name: "LLMTokenizers", dependencies: ["PCRE2", "LLMGGUF"], swiftSettings: swiftSettings),
        .target(
            name: "LLMEngine",
            dependencies: ["LLMGGUF", "LLMKernels", "LLMTokenizers"],
            swiftSettings: swiftSettings
        ),
        .target(name: "LLMCatalog", dependencies: ["LLMGGUF", crypto], resources: [.copy("catalog.json")], swiftSettings: swiftSettings),

        // MARK: - Candor domain and declared data

        .target(name: "CandorCore", swiftSettings: swiftSettings),
        .target(name: "CandorYAML", dependencies: ["CandorCore", "PCRE2", yams], swiftSettings: swiftSettings),

        // MARK: - Findings store

        .target(name: "CandorStore", dependencies: ["CandorCore", grdb], swiftSettings: swiftSettings),

        // MARK: - Verdicts

        .target(
            name: "CandorClassifiers",
            dependencies: ["CandorCore", "PCRE2", "LLMEngine", "LLMTokenizers"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Command-line interface

        .executableTarget(
            name: "candor",
            dependencies: [
                argumentParser, "CandorCore", "CandorYAML", "CandorStore", "CandorClassifiers",
                "LLMEngine", "LLMCatalog",
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests (one target per module)

        .testTarget(name: "PCRE2Tests", dependencies: ["PCRE2"], swiftSettings: swiftSettings),
        .testTarget(name: "LLMGGUFTests", dependencies: ["LLMGGUF"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "LLMKernelsTests", dependencies: ["LLMKernels"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LLMTokenizersTests",
            dependencies: ["LLMTokenizers", "LLMGGUF", "LLMCatalog"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LLMEngineTests",
            dependencies: ["LLMEngine", "LLMCatalog"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LLMCatalogTests", dependencies: ["LLMCatalog"], swiftSettings: swiftSettings),
        .testTarget(name: "CandorCoreTests", dependencies: ["CandorCore"], swiftSettings: swiftSettings),
        .testTarget(name: "CandorYAMLTests", dependencies: ["CandorYAML"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "CandorStoreTests", dependencies: ["CandorStore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CandorClassifiersTests",
            dependencies: ["CandorClassifiers", "CandorYAML", "LLMCatalog"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CandorCLITests", dependencies: ["candor"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
