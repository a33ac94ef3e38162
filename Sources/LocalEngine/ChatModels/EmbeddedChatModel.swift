import AssistdSupport
import AssistantAPI
import Foundation
import Inference
import JSONCore

/// The embedded model run in-process by the `Inference` target: Qwen2.5-Coder-0.5B-Instruct
/// by default, SmolLM2-135M-Instruct where only that is installed. The file is mapped on the
/// first turn, not at start-up, so a client that never runs a turn never pays for it.
public final class EmbeddedChatModel: ChatModel {
    /// A turn's token limit when the request sets none: a few paragraphs, and a bound on a
    /// reply that loops (about half a minute of decoding on two cores).
    public static let defaultMaxTokens = 512
    /// llama.cpp's repetition penalty over the last 64 text tokens (see `RepetitionPenalty`),
    /// on unless the request asks for greedy decoding (temperature 0): small models loop.
    public static let defaultRepetitionPenalty = 1.1

    public let path: String
    public let threads: Int
    /// nil: the model's default for this machine (`LlamaConfig.defaultContextLength`).
    public let requestedContextTokens: Int?
    /// The context the model runs with; asked at a turn's start, so it loads the model then
    /// (2048 if it cannot be loaded: the turn then fails with the load error).
    public var contextTokens: Int { requestedContextTokens ?? ((try? model())?.contextLength ?? 2048) }
    public var displayName: String { "embedded \(URL(fileURLWithPath: path).lastPathComponent)" }
    private let loaded = Locked<Result<LlamaModel, ChatModelError>?>(nil)

    public init(path: String, threads: Int = 2, contextTokens: Int? = nil) {
        self.path = path
        self.threads = threads
        self.requestedContextTokens = contextTokens
    }

    func model() throws(ChatModelError) -> LlamaModel {
        let result = loaded.withLock { slot -> Result<LlamaModel, ChatModelError> in
            if let slot { return slot }
            let result: Result<LlamaModel, ChatModelError>
            do {
                result = .success(try LlamaModel.load(path: path, threads: threads, contextLength: requestedContextTokens))
            } catch {
                result = .failure(ChatModelError(.unavailable, "the embedded model at \(path) could not be loaded: \(error)"))
            }
            slot = result
            return result
        }
        return try result.get()
    }

    public func streamTurn(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task.detached { [self] in
                do {
                    let model = try self.model()
                    let temperature = request.temperature ?? 0.2
                    let events = model.generate(
                        turns: request.messages.map(Self.turn), tools: request.tools.map(Self.toolSpec),
                        toolChoice: Self.choice(
                            request.toolChoice, hasTools: !request.tools.isEmpty,
                            answeringToolOutputs: request.messages.last?.role == .tool),
                        sampling: SamplingOptions(
                            temperature: temperature, topP: request.topP ?? 1, topK: request.topK ?? 0,
                            seed: nil, maxTokens: request.maxTokens ?? Self.defaultMaxTokens,
                            repetitionPenalty: temperature == 0 ? 1 : Self.defaultRepetitionPenalty))
                    for try await event in events {
                        switch event {
                        case .textDelta(let text):
                            continuation.yield(.text(text))
                        case .toolCall(let call):
                            continuation.yield(.toolCall(ChatToolCall(
                                id: "call_" + UUID().uuidString.lowercased(), name: call.name, arguments: call.argumentsJSON)))
                        case .finished(let reason, let promptTokens, let completionTokens):
                            continuation.yield(.usage(promptTokens: promptTokens, completionTokens: completionTokens))
                            continuation.yield(.finish(Self.finish(reason)))
                        }
                    }
                    continuation.finish()
                } catch let error as ChatModelError {
                    continuation.finish(throwing: error)
                } catch is CancellationError {
                    continuation.finish(throwing: CancellationError())
                } catch {
                    continuation.finish(throwing: ChatModelError(.server, "the embedded model failed: \(error)"))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func turn(_ message: ChatMessage) -> ChatTurn {
        ChatTurn(
            role: message.role.rawValue, content: message.content,
            toolCalls: message.toolCalls.isEmpty
                ? nil : message.toolCalls.map { GeneratedToolCall(id: $0.id, name: $0.name, argumentsJSON: $0.arguments) },
            toolCallID: message.toolCallID)
    }

    static func toolSpec(_ function: FunctionDefinition) -> ToolSpec {
        ToolSpec(
            name: function.name, description: function.description ?? "",
            parametersJSON: function.parameters?.serializedString() ?? #"{"type":"object","properties":{}}"#)
    }

    /// With `auto`, a turn that answers tool outputs replies in text: both small models, offered
    /// their tools again, call the same one over and over until the round cap (Qwen2.5-Coder-0.5B
    /// repeats its call after the result in llama.cpp too). `required` and a named function
    /// still force a call in any turn.
    static func choice(_ choice: ToolChoice?, hasTools: Bool, answeringToolOutputs: Bool) -> ToolChoiceMode {
        guard hasTools else { return .none }
        switch choice {
        case nil, .auto?: return answeringToolOutputs ? .none : .auto
        case .none?: return .none
        case .required?: return .required
        case .function(let name)?: return .function(name)
        }
    }

    static func finish(_ reason: Inference.GenerationStopReason) -> FinishReason {
        switch reason {
        case .stop: return .stop
        case .length: return .length
        case .toolCalls: return .toolCalls
        }
    }
}
