import Foundation
import XCTest
@testable import Inference

/// The real SmolLM2 file, loaded once for every test that needs it. Tests that
/// need it fail (not skip) when it is missing.
enum TestModel {
    static let missingMessage = "SmolLM2-135M-Instruct.Q4_1.gguf not found: run `assistd model install smollm2` (after swift build: .build/debug/assistd model install smollm2), or set ASSISTD_GGUF to the file"

    /// `ASSISTD_GGUF`, else SmolLM2's file in the models folder (whichever model a run prefers).
    static let path: String? = {
        if let path = ProcessInfo.processInfo.environment["ASSISTD_GGUF"], !path.isEmpty { return GGUFLocator.find(explicitPath: path) }
        let path = GGUFLocator.modelsDirectory() + "/" + ModelPackage.smolLM2.fileName
        return GGUFLocator.unreadableReason(path) == nil ? path : nil
    }()

    static let loaded: Result<LlamaModel, Error>? = path.map { p in Result { try LlamaModel.load(path: p, threads: 2, contextLength: 2048) } }

    struct ModelMissing: Error, CustomStringConvertible {
        var description: String { TestModel.missingMessage }
    }

    /// Throws (failing the calling test) when the file is missing.
    static func model() throws -> LlamaModel {
        guard let loaded else { throw ModelMissing() }
        return try loaded.get()
    }

    static func gguf() throws -> GGUFFile { try model().file }

    static func fixture(_ name: String) throws -> Any {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    /// Collects a generation's events.
    static func run(_ model: LlamaModel, _ turns: [ChatTurn], tools: [ToolSpec] = [], choice: ToolChoiceMode = .auto,
                    sampling: SamplingOptions) async throws -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        for try await e in model.generate(turns: turns, tools: tools, toolChoice: choice, sampling: sampling) { events.append(e) }
        return events
    }
}
