// swift-tools-version:6.0
// assistd: a JSON-RPC 2.0 stdio bridge to the DashScope Assistant API.
// No package dependencies: Foundation, Dispatch, Glibc and the system SQLite and libcurl only.
import PackageDescription

// The embedded model's kernels need AVX2/FMA to be competitive; the floor is documented
// in README (AVX2+FMA, "haswell", or aarch64). SwiftPM cannot test the target architecture, so the
// building host's architecture decides (cross-compiling is not a goal).
// InferenceVNNI holds the prompt kernels for CPUs with AVX-512 VNNI (`vpdpbusd`: four byte
// products and their sum in one instruction), compiled for `cascadelake` (AVX-512
// F/CD/BW/DQ/VL + VNNI); Inference calls them only when the CPU has those (CPUFeatures).
#if arch(x86_64)
let inferenceFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"])]
let vnniFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "cascadelake"])]
#else
let inferenceFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
let vnniFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"])]
#endif

// The release assistd's idle RSS is mostly the pages of the binary that start-up touches; lld lays
// them out (Sources/assistd/Link): the functions that run until `initialize` is answered first in
// .text, in one run of pages; no dynamic export of our own symbols (nothing looks them up, and the loader
// searched their table for every symbol of every library); libstdc++ linked statically (the
// folder's `libstdc++.so` is a linker script naming `libstdc++.a`): only what the runtime uses,
// instead of loading and relocating all of libstdc++.so and running its initialisers.
let linkFolder = "\(Context.packageDirectory)/Sources/assistd/Link"
let startupLayout = [
    // Not `-z pack-relative-relocs` (RELR): it saves ~1.8 MB more (the loader reads the 1.8 MB
    // relocation table whole) but needs glibc 2.36, and the release archive runs on 2.35 (README).
    "-use-ld=lld",
    "-Xlinker", "--symbol-ordering-file=\(linkFolder)/startup-symbols.txt",
    "-Xlinker", "--no-warn-symbol-ordering", "-Xlinker", "--no-export-dynamic",
    "-L", linkFolder,
]

let package = Package(
    name: "assistd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "assistd", targets: ["assistd"]),
    ],
    targets: [
        // Leaves.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        // The system's libcurl (libcurl4-openssl-dev): its header only; HTTPStreaming loads the
        // library when the first request needs it (LibCurl).
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .target(name: "JSONCore"),
        // Process plumbing every target may use: Locked, the one Logger, writeAll.
        .target(name: "AssistdSupport"),
        .target(name: "CVNNI"),
        .target(name: "InferenceVNNI", dependencies: ["CVNNI"], swiftSettings: vnniFlags),
        .target(name: "Inference", dependencies: ["InferenceVNNI"], swiftSettings: inferenceFlags),

        // Transport: framing, messages, one Connection. Knows nothing of assistants.
        .target(name: "JSONRPC", dependencies: ["JSONCore", "AssistdSupport"]),
        .target(name: "JSONRPCTestSupport", dependencies: ["JSONRPC", "JSONCore", "AssistdSupport"]),

        // The Assistant API's objects and the backend protocol. Knows nothing of JSON-RPC.
        .target(name: "AssistantAPI", dependencies: ["JSONCore", "AssistdSupport"]),

        // HTTP requests with streamed bodies, SSE parsing and the one timeout policy, for both backends.
        .target(name: "HTTPStreaming", dependencies: ["CCurl"], linkerSettings: [.linkedLibrary("dl")]),

        // Backends.
        .target(name: "LocalEngine", dependencies: ["AssistantAPI", "JSONCore", "CSQLite", "Inference", "AssistdSupport", "HTTPStreaming"]),
        .target(name: "DashScope", dependencies: ["AssistantAPI", "JSONCore", "HTTPStreaming", "AssistdSupport"]),

        // The method table and lifecycle.
        // `rpc.discover` answers protocol/assistd.openrpc.json, compiled in from that one file at
        // build time (a raw string literal: `.embedInCode`'s byte array took ~20 s of CPU per edit).
        .target(
            name: "Bridge", dependencies: ["JSONRPC", "AssistantAPI", "LocalEngine", "DashScope", "JSONCore", "AssistdSupport"],
            plugins: ["EmbedOpenRPC"]),
        .plugin(name: "EmbedOpenRPC", capability: .buildTool(), dependencies: ["EmbedText"], path: "Sources/Plugins/EmbedOpenRPC"),
        .executableTarget(name: "EmbedText", path: "Sources/Tools/EmbedText"),

        // A Model Context Protocol client over stdio: the MCP servers an ACP session names, as function tools.
        .target(name: "MCPClient", dependencies: ["JSONRPC", "JSONCore", "AssistdSupport", "AssistantAPI"]),

        // The Agent Client Protocol (`assistd acp`): a second face on the same backends.
        .target(name: "AgentClientProtocol", dependencies: ["Bridge", "MCPClient", "JSONRPC", "AssistantAPI", "JSONCore", "AssistdSupport"]),

        // The client end of the protocol: `assistd call` and `assistd demo`, and the benchmarks.
        .target(name: "AssistdClient", dependencies: ["JSONRPC", "JSONCore", "AssistdSupport"]),

        // The release binary links the Swift runtime and Foundation statically even without
        // --static-swift-stdlib: the dynamic loader's work for a dozen Swift libraries was a third
        // of the time from spawn to `initialize`'s answer (README, "Benchmarks"). It stays
        // position-independent: linking it at a fixed address (-no-pie) saved ~3 MB of idle RSS and
        // ~0.5 ms of start-up (the loader's ~80,000 relative relocations), not worth losing ASLR for
        // a process that parses untrusted input.
        .executableTarget(
            name: "assistd", dependencies: ["AgentClientProtocol", "MCPClient", "Bridge", "JSONRPC", "JSONCore", "AssistantAPI", "LocalEngine", "DashScope", "HTTPStreaming", "Inference", "AssistdSupport", "AssistdClient"],
            exclude: ["Link"],
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],  // the static libraries' link lines
            linkerSettings: [.unsafeFlags(["-static-stdlib"] + startupLayout, .when(configuration: .release))]),

        // Benchmarks (executables, never run as tests).
        .executableTarget(name: "StoreBenchmark", dependencies: ["LocalEngine", "AssistantAPI", "JSONCore", "CSQLite", "AssistdClient"], path: "Sources/Benchmarks/StoreBenchmark"),
        .executableTarget(name: "RunBenchmark", dependencies: ["JSONCore", "AssistdClient"], path: "Sources/Benchmarks/RunBenchmark"),
        .executableTarget(name: "LoadBenchmark", dependencies: ["JSONCore", "AssistdClient", "TestSupport"], path: "Sources/Benchmarks/LoadBenchmark"),
        .executableTarget(name: "DashScopeBenchmark", dependencies: ["DashScope", "AssistantAPI", "JSONCore", "AssistdClient", "TestSupport"], path: "Sources/Benchmarks/DashScopeBenchmark"),
        .executableTarget(
            name: "LimitsBenchmark", dependencies: ["LocalEngine", "AssistantAPI", "JSONCore", "CSQLite", "TestSupport"],
            path: "Sources/Benchmarks/LimitsBenchmark"),
        .executableTarget(name: "InferenceBenchmark", dependencies: ["Inference"], path: "Sources/Benchmarks/InferenceBenchmark", swiftSettings: inferenceFlags),
        .executableTarget(name: "ModelQualityCheck", dependencies: ["Inference"], path: "Sources/Benchmarks/ModelQualityCheck", swiftSettings: inferenceFlags),

        // libFuzzer targets: each is a fuzz entry point only when built by Tests/Fuzz/build.sh
        // (-sanitize=fuzzer and -D ASSISTD_FUZZ); a plain build makes a main that says so.
        .executableTarget(name: "FuzzJSON", dependencies: ["JSONCore"], path: "Sources/Fuzz/FuzzJSON"),
        .executableTarget(name: "FuzzFraming", dependencies: ["JSONRPC", "JSONCore"], path: "Sources/Fuzz/FuzzFraming"),
        .executableTarget(name: "FuzzSSE", dependencies: ["HTTPStreaming", "JSONCore"], path: "Sources/Fuzz/FuzzSSE"),
        .executableTarget(name: "FuzzGGUF", dependencies: ["Inference"], path: "Sources/Fuzz/FuzzGGUF"),

        // Tests: one target per source target, plus end-to-end tests against the built binary.
        // TestSupport: what several test targets share (the Python fakes in Tests/Fakes, the SDK comparison).
        .target(name: "TestSupport", dependencies: ["JSONCore"], path: "Tests/TestSupport"),
        .testTarget(name: "JSONCoreTests", dependencies: ["JSONCore"]),
        .testTarget(name: "AssistdSupportTests", dependencies: ["AssistdSupport"]),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC", "JSONRPCTestSupport", "JSONCore", "AssistdSupport"]),
        .testTarget(name: "HTTPStreamingTests", dependencies: ["HTTPStreaming"]),
        .testTarget(name: "AssistantAPITests", dependencies: ["AssistantAPI", "JSONCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LocalEngineTests", dependencies: ["LocalEngine", "AssistdSupport", "AssistantAPI", "JSONCore", "HTTPStreaming", "TestSupport"]),
        .testTarget(name: "DashScopeTests", dependencies: ["DashScope", "AssistantAPI", "JSONCore", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference"], exclude: ["Fixtures", "make_fixtures.py", "make_qwen_tokenizer_fixture.py"]),
        .testTarget(name: "BridgeTests", dependencies: ["Bridge", "JSONRPC", "JSONRPCTestSupport", "JSONCore", "AssistantAPI", "LocalEngine"]),
        .testTarget(name: "MCPClientTests", dependencies: ["MCPClient", "JSONCore", "AssistdSupport", "AssistantAPI", "TestSupport"]),
        .testTarget(name: "AgentClientProtocolTests", dependencies: ["AgentClientProtocol", "AssistantAPI", "JSONCore", "JSONRPC", "MCPClient", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["JSONCore", "TestSupport"], exclude: ["Scripts"]),
    ],
    swiftLanguageModes: [.v6]
)
