// swift-tools-version:6.1
//
// Candor: audits language models for censorship and unsafe behaviour.
//
// The module graph runs one way, following the data
// (probe pack -> scheduler -> target -> answer -> classifier -> finding -> store -> reports):
//
//   Inference engine, no audit knowledge:
//     CPCRE2 -> PCRE2 -> LLMTokenizers <- LLMGGUF
//     LLMGGUF, LLMKernels, LLMTokenizers -> LLMEngine -> LLMCatalog (model files), LLMServer (HTTP)
//
//   Candor:
//     CandorCore (domain values and protocols; no I/O, HTTP, SQL or engine)
//       -> CandorYAML (declared data)        -> CandorStore (GRDB/SQLite)
//       -> CandorClassifiers (PCRE2 + LLMEngine embeddings)
//       -> CandorTargets (LLMEngine in-process, OpenAI-compatible and Ollama over HTTP)
//       -> CandorScheduler (campaign runner: pure state machine + actor)
//       -> CandorAnalysis (rates, asymmetry, diffs: pure statistics over findings) -> CandorReports
//       -> CandorAudit (runs a campaign end to end; shared by the CLI and the server)
//       -> CandorServer (`candor serve`: JSON API, dashboard pages, recurring campaigns; Hummingbird)
//       -> candor (the CLI)
//
// Nothing in LLM* imports a Candor* module. CandorCore imports no HTTP, SQL or engine module.
import PackageDescription

// MARK: - Settings shared by every target

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The kernel modules work on raw pointers; their loops keep sums in local variables that nested
/// functions update. Where the optimizer leaves one of those functions out of line, Swift's
/// run-time exclusivity checks on the captured variables (swift_beginAccess) ran in the innermost
/// loop: a fifth of a Qwen2.5 profile. They check nothing the kernels rely on, so these modules
/// are compiled without them.
let noExclusivityChecks: SwiftSetting = .unsafeFlags(["-enforce-exclusivity=unchecked"])

#if arch(x86_64)
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
/// One target per instruction-set variant, each compiled with its own flags; LLMKernels picks one
/// at run time from CPUID and keeps its portable SIMD kernels as the fallback and reference.
let avx2Settings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell", "-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"])]
/// The AVX-VNNI variant compiles the same sources as the AVX2 kernels (symbolic links) for a
/// processor with AVX-VNNI (Alder Lake without AVX-512 as the baseline): `CANDOR_VNNI` selects
/// `vpdpbusd` in the fused kernels and LLVM fuses each 16-bit multiply-add and its accumulation
/// into `vpdpwssd` in the panel kernel. Called only after /proc/cpuinfo shows `avx_vnni`.
let vnniSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "alderlake", "-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-Xcc", "-mavxvnni"]), .define("CANDOR_VNNI")]
/// The AVX-512 variant compiles only the interleaved kernels (a symbolic link), for processors
/// with AVX-512 VNNI and AVX-VNNI (Zen 5, Sapphire Rapids): 64-byte registers hold a pair of
/// eight-row groups, 32 of them hold eight vectors' sums and accumulators at once, and each
/// activation broadcast folds into `vpdpbusd` (`{1to16}`). `CANDOR_AVX512` selects those passes.
let avx512Settings: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "skylake-avx512", "-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c", "-Xcc", "-mavxvnni", "-Xcc", "-mavx512vnni"]),
    .define("CANDOR_VNNI"), .define("CANDOR_AVX512"),
]
let kernelVariants: [Target.Dependency] = ["LLMKernelsAVX2", "LLMKernelsVNNI", "LLMKernelsAVX512"]
#else
let kernelSettings: [SwiftSetting] = []
let avx2Settings: [SwiftSetting] = []
let vnniSettings: [SwiftSetting] = []
let avx512Settings: [SwiftSetting] = []
let kernelVariants: [Target.Dependency] = []
#endif

// MARK: - Dependencies (local copies at listed versions)

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let yams = Target.Dependency.product(name: "Yams", package: "Yams")
let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
let asyncHTTPClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

let package = Package(
    name: "Candor",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "candor", targets: ["candor"]),
        .executable(name: "bench-classifier", targets: ["BenchClassifier"]),
        .executable(name: "bench-engine", targets: ["BenchEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
        // The kernels are compiled for Haswell-class x86-64 (AVX2, FMA, F16C): on the baseline
        // target Swift lowers SIMD fused multiply-add to a library call per lane and half floats
        // to software conversion, several times slower. `CPUFeatures.check()` refuses to run on a
        // processor without them, with a clear message, instead of crashing.
        .target(name: "LLMKernels", dependencies: kernelVariants, swiftSettings: swiftSettings + kernelSettings + [noExclusivityChecks]),
        /// The AVX2 integer dot product (x86-64 only; empty elsewhere).
        .target(name: "LLMKernelsAVX2", swiftSettings: swiftSettings + avx2Settings + [noExclusivityChecks]),
        .target(name: "LLMKernelsVNNI", swiftSettings: swiftSettings + vnniSettings + [noExclusivityChecks]),
        .target(name: "LLMKernelsAVX512", swiftSettings: swiftSettings + avx512Settings + [noExclusivityChecks]),
        .target(name: "LLMTokenizers", dependencies: ["PCRE2", "LLMGGUF"], swiftSettings: swiftSettings),
        .target(
            name: "LLMEngine",
            dependencies: ["LLMGGUF", "LLMKernels", "LLMTokenizers"],
            swiftSettings: swiftSettings
        ),
        .target(name: "LLMCatalog", dependencies: ["LLMGGUF", crypto], resources: [.copy("catalog.json")], swiftSettings: swiftSettings),
        /// An OpenAI-compatible HTTP server over the engine (`candor serve-model`).
        .target(name: "LLMServer", dependencies: ["LLMEngine", "LLMTokenizers", hummingbird, logging], swiftSettings: swiftSettings),

        // MARK: - Candor domain and declared data

        .target(name: "CandorCore", swiftSettings: swiftSettings),
        .target(name: "CandorYAML", dependencies: ["CandorCore", "PCRE2", yams], swiftSettings: swiftSettings),

        // MARK: - Findings store

        .target(name: "CandorStore", dependencies: ["CandorCore", "CandorAnalysis", grdb, crypto], swiftSettings: swiftSettings),

        // MARK: - Verdicts

        .target(
            name: "CandorClassifiers",
            dependencies: ["CandorCore", "PCRE2", "LLMEngine", "LLMTokenizers"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Targets and scheduling

        .target(
            name: "CandorTargets",
            dependencies: ["CandorCore", "LLMEngine", "LLMTokenizers", "LLMCatalog", asyncHTTPClient, logging],
            swiftSettings: swiftSettings
        ),
        .target(name: "CandorScheduler", dependencies: ["CandorCore"], swiftSettings: swiftSettings),

        // MARK: - Evidence

        /// Rates with intervals, asymmetry, run diffs with exact tests: pure functions of findings.
        .target(name: "CandorAnalysis", dependencies: ["CandorCore"], swiftSettings: swiftSettings),
        /// Compliance reports (HTML, Markdown, JSON, SARIF, JUnit) and their integrity manifest.
        .target(name: "CandorReports", dependencies: ["CandorCore", "CandorAnalysis", crypto], swiftSettings: swiftSettings),

        // MARK: - Audits

        /// Runs a campaign end to end (declared data -> targets -> scheduler -> verdicts -> store);
        /// shared by the CLI and the server.
        .target(
            name: "CandorAudit",
            dependencies: ["CandorCore", "CandorYAML", "CandorStore", "CandorClassifiers", "CandorTargets", "CandorScheduler", "LLMEngine"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Audit service

        /// `candor serve`: the JSON API, server-rendered dashboard pages and the recurring-campaign scheduler.
        .target(
            name: "CandorServer",
            dependencies: ["CandorCore", "CandorStore", "CandorAnalysis", "CandorReports", "CandorAudit", "CandorScheduler", "CandorYAML", "LLMEngine", hummingbird, logging, crypto],
            swiftSettings: swiftSettings
        ),

        // MARK: - Command-line interface

        .executableTarget(
            name: "candor",
            dependencies: [
                argumentParser, "CandorAudit", "CandorCore", "CandorYAML", "CandorStore", "CandorClassifiers",
                "CandorTargets", "CandorScheduler", "CandorAnalysis", "CandorReports", "LLMEngine", "LLMTokenizers", "LLMCatalog", "LLMGGUF", "LLMServer",
                "CandorServer",
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Benchmarks (run by the scripts in bench/; they print ratios, never assert times)

        .executableTarget(
            name: "bench-campaign",
            dependencies: ["CandorAudit", "CandorCore", "CandorStore", "LLMServer", logging],
            path: "Sources/BenchCampaign",
            swiftSettings: swiftSettings
        ),
        /// Engine throughput and memory on a model file (run through `bench/engine`).
        .executableTarget(name: "BenchEngine", dependencies: ["LLMEngine", "LLMKernels", "LLMTokenizers"], swiftSettings: swiftSettings),
        /// `bench/classifier`: agreement with the labelled splits and classification throughput.
        .executableTarget(
            name: "BenchClassifier",
            dependencies: ["CandorClassifiers", "CandorYAML", "CandorCore", "LLMCatalog", "LLMEngine", "LLMTokenizers"],
            path: "Sources/BenchClassifier",
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
            dependencies: ["LLMEngine", "LLMCatalog", "LLMGGUF", "LLMTokenizers", "LLMKernels"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LLMCatalogTests", dependencies: ["LLMCatalog"], swiftSettings: swiftSettings),
        .testTarget(name: "CandorCoreTests", dependencies: ["CandorCore"], swiftSettings: swiftSettings),
        .testTarget(name: "CandorYAMLTests", dependencies: ["CandorYAML"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "CandorStoreTests", dependencies: ["CandorStore", "CandorAnalysis"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CandorClassifiersTests",
            dependencies: ["CandorClassifiers", "CandorYAML", "LLMCatalog"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CandorTargetsTests",
            dependencies: ["CandorTargets", "CandorAudit", "CandorStore", "LLMServer", hummingbird, hummingbirdTesting],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CandorSchedulerTests", dependencies: ["CandorScheduler"], swiftSettings: swiftSettings),
        .testTarget(name: "CandorAnalysisTests", dependencies: ["CandorAnalysis"], swiftSettings: swiftSettings),
        .testTarget(name: "CandorReportsTests", dependencies: ["CandorReports", "CandorAnalysis", crypto], resources: [.copy("Golden")], swiftSettings: swiftSettings),
        .testTarget(
            name: "CandorServerTests",
            dependencies: ["CandorServer", "CandorStore", "CandorCore", "CandorScheduler", hummingbird, hummingbirdTesting],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CandorCLITests", dependencies: ["candor", "CandorStore", "CandorCore"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
