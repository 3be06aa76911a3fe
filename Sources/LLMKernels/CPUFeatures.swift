import Foundation

/// The instruction-set extensions the kernels are compiled for (see Package.swift).
public enum CPUFeatures {
    static let required = ["avx2", "fma", "f16c"]

    /// A description of what is missing, or `nil` when this processor can run the kernels.
    /// Reads the flags Linux reports in /proc/cpuinfo; elsewhere assumes they are present.
    /// The flags Linux reports for the first processor (empty elsewhere or when unreadable).
    static let flags: Set<String> = {
        #if os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        return Set(flagsLine.split(separator: " ").map(String.init))
        #else
        return []
        #endif
    }()

    /// Whether the AVX2 integer kernels (LLMKernelsAVX2) may run.
    public static let hasAVX2AndFMA: Bool = {
        #if arch(x86_64) && os(Linux)
        flags.contains("avx2") && flags.contains("fma")
        #elseif arch(x86_64)
        true
        #else
        false
        #endif
    }()

    /// Whether AVX-VNNI (256-bit `vpdpwssd`/`vpdpbusd`) is present, for LLMKernelsVNNI.
    public static let hasAVXVNNI: Bool = {
        #if arch(x86_64) && os(Linux)
        hasAVX2AndFMA && flags.contains("avx_vnni")
        #else
        false
        #endif
    }()

    /// `CANDOR_ISA`, the cap on the instruction sets used (see ``instructionSets``).
    private static let cap = ProcessInfo.processInfo.environment["CANDOR_ISA"]

    /// Whether the interleaved kernels' AVX-512 build (LLMKernelsAVX512, compiled for
    /// skylake-avx512 with AVX-512 VNNI and AVX-VNNI) may run: false when `CANDOR_ISA` caps the
    /// instruction sets below AVX-VNNI.
    public static let hasAVX512VNNI: Bool = {
        #if arch(x86_64) && os(Linux)
        let needed = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni"]
        return instructionSets.contains(.avxVNNI) && needed.allSatisfy(flags.contains) && cap != "avxVNNI"
        #else
        return false
        #endif
    }()

    /// The builds of the kernels: portable Swift SIMD, AVX2 (LLMKernelsAVX2) and AVX-VNNI
    /// (LLMKernelsVNNI, the same sources compiled with VNNI instructions).
    public enum InstructionSet: Sendable, CaseIterable { case portable, avx2, avxVNNI }

    /// The instruction sets this processor can run, from the most portable to the fastest.
    /// `CANDOR_ISA=portable`, `avx2` or `avxVNNI` caps the list (for tools that lack newer instructions, such
    /// as valgrind without AVX-VNNI, or to compare builds in one binary).
    public static let instructionSets: [InstructionSet] = {
        let all = InstructionSet.allCases.filter {
            switch $0 {
            case .portable: true
            case .avx2: hasAVX2AndFMA
            case .avxVNNI: hasAVXVNNI
            }
        }
        switch cap {
        case "portable": return [.portable]
        case "avx2": return all.filter { $0 != .avxVNNI }
        default: return all
        }
    }()

    public static func missing() -> String? {
        #if arch(x86_64) && os(Linux)
        // /proc/cpuinfo unreadable or without a flags line: nothing to report.
        guard !flags.isEmpty else { return nil }
        let absent = required.filter { !flags.contains($0) }
        return absent.isEmpty ? nil : "this processor lacks \(absent.map { $0.uppercased() }.joined(separator: ", ")); Candor's engine needs an x86-64 processor with AVX2, FMA and F16C (Haswell, 2013, or newer)"
        #else
        return nil
        #endif
    }
}
