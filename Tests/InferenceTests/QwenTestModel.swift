import Foundation
@testable import Inference

/// The real Qwen2.5-Coder-0.5B-Instruct file, loaded once for every test that needs it.
/// Found from $ASSISTD_QWEN_GGUF, else assistd's models folder. Tests that need it fail
/// (not skip) when it is missing.
enum QwenTestModel {
    static let fileName = ModelPackage.qwen25Coder.fileName
    static let missingMessage = "\(fileName) not found: run `assistd model install` (after swift build: .build/debug/assistd model install), or set ASSISTD_QWEN_GGUF to the file"

    static let path: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["ASSISTD_QWEN_GGUF"], !path.isEmpty { return path }
        let path = GGUFLocator.modelsDirectory(environment: environment) + "/" + fileName
        return FileManager.default.isReadableFile(atPath: path) ? path : nil
    }()

    static let loaded: Result<LlamaModel, Error>? = path.map { p in Result { try LlamaModel.load(path: p, threads: 2, contextLength: 2048) } }

    struct ModelMissing: Error, CustomStringConvertible {
        var description: String { QwenTestModel.missingMessage }
    }

    static func model() throws -> LlamaModel {
        guard let loaded else { throw ModelMissing() }
        return try loaded.get()
    }

    /// Fixtures/qwen.json (made by Fixtures/make_qwen_fixtures.py with llama.cpp).
    static func fixture() throws -> [String: Any] {
        try TestModel.fixture("qwen.json") as? [String: Any] ?? [:]
    }

    /// A fixture conversation in the OpenAI shape as ChatTurns.
    static func turns(_ messages: [[String: Any]]) -> [ChatTurn] {
        messages.map { m in
            let calls = (m["tool_calls"] as? [[String: Any]])?.map { c -> GeneratedToolCall in
                let function = c["function"] as? [String: Any] ?? [:]
                return GeneratedToolCall(id: c["id"] as? String ?? "", name: function["name"] as? String ?? "",
                                         argumentsJSON: function["arguments"] as? String ?? "")
            }
            return ChatTurn(role: m["role"] as? String ?? "", content: m["content"] as? String ?? "",
                            toolCalls: calls, toolCallID: m["tool_call_id"] as? String)
        }
    }

    /// A fixture case's tools, from its `tool_specs` (name, description, parameters JSON text).
    static func tools(_ specs: [[String]]) -> [ToolSpec] {
        specs.map { ToolSpec(name: $0[0], description: $0[1], parametersJSON: $0[2]) }
    }
}
