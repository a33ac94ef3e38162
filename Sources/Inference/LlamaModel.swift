import Foundation

/// A loaded llama- or qwen2-architecture GGUF model: weights memory-mapped, one KV cache,
/// persistent worker threads. Generations are serialised (one at a time).
public final class LlamaModel: Sendable {
    public let config: LlamaConfig
    public let tokenizer: BPETokenizer
    public let contextLength: Int
    public let threads: Int
    public let path: String
    let file: GGUFFile
    let runner: LockedRunner
    let masker: TokenMasker
    /// ChatML with llama-cpp-python's `functions.<name>:` tool format (SmolLM2, and any
    /// ChatML model whose template has no tool format of its own).
    let chatPrompt: ChatPrompt
    /// Qwen2.5's own format, used when the file's chat template is Qwen's tool template.
    let qwenPrompt: QwenChatPrompt?

    /// `contextLength` nil: `LlamaConfig.defaultContextLength` for this machine's memory.
    public static func load(path: String, threads: Int = 2, contextLength: Int? = nil) throws -> LlamaModel {
        try LlamaModel(path: path, threads: threads, contextLength: contextLength)
    }

    init(path: String, threads: Int, contextLength requested: Int?) throws {
        try CPUFeatures.check()
        guard threads >= 1, threads <= 256 else { throw InferenceError.invalidRequest("threads must be 1...256, got \(threads)") }
        if let requested, requested < 16 { throw InferenceError.invalidRequest("contextLength must be at least 16, got \(requested)") }
        let file = try GGUFFile(path: path)
        let config = try LlamaConfig(gguf: file)
        let contextLength = requested ?? config.defaultContextLength(physicalMemory: ProcessInfo.processInfo.physicalMemory)
        let weights = try LlamaWeights(gguf: file, config: config)
        self.tokenizer = try BPETokenizer(gguf: file)
        guard tokenizer.vocabularySize == config.vocabularySize else {
            throw GGUFError.unsupportedModel("tokenizer has \(tokenizer.vocabularySize) tokens but the model \(config.vocabularySize)")
        }
        self.masker = TokenMasker(tokenizer: tokenizer)
        self.chatPrompt = try ChatPrompt(tokenizer: tokenizer)
        self.qwenPrompt = QwenChatPrompt(tokenizer: tokenizer, chatTemplate: file.metadata["tokenizer.chat_template"]?.stringValue)
        self.file = file
        self.config = config
        self.path = path
        self.threads = threads
        self.contextLength = min(contextLength, config.trainedContextLength)
        self.runner = LockedRunner(LlamaRunner(config: config, weights: weights, threads: threads, contextLength: self.contextLength))
    }

    /// Exclusive access to the model's evaluation state (KV cache, logits).
    public func withSession<R>(_ body: (InferenceSession) throws -> R) rethrows -> R {
        try runner.withLock { r in try body(InferenceSession(runner: r)) }
    }
}

/// Low-level evaluation: feed tokens, read the next-token logits.
/// Valid only inside `LlamaModel.withSession`.
public struct InferenceSession {
    let runner: LlamaRunner

    /// Tokens currently in the KV cache.
    public var tokens: [Int32] { runner.cachedTokens }

    /// Makes the cache hold exactly `prompt`, reusing the longest shared prefix,
    /// and leaves the logits for the token after it. At least the last two tokens
    /// are re-evaluated: a batch of two or more takes the same arithmetic as a
    /// fresh evaluation of the whole prompt, so the logits do not depend on what
    /// was cached before (and seeded sampling is repeatable).
    public func setPrompt(_ prompt: [Int32]) throws {
        var shared = 0
        let cached = runner.cachedTokens
        while shared < min(cached.count, prompt.count - 2) && cached[shared] == prompt[shared] { shared += 1 }
        runner.truncateCache(to: shared)
        try runner.append(Array(prompt[shared...]))
    }

    /// Appends tokens after the cached ones; logits then follow the last.
    public func append(_ tokens: [Int32]) throws { try runner.append(tokens) }

    public func reset() { runner.truncateCache(to: 0) }

    /// Scores for the next token (valid until the next append).
    public var logits: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: runner.logits, count: runner.config.vocabularySize)
    }
}

/// The runner behind a lock, so the model can be shared across tasks.
final class LockedRunner: @unchecked Sendable {
    private let lock = NSLock()
    private let runner: LlamaRunner

    init(_ runner: LlamaRunner) { self.runner = runner }

    func withLock<R>(_ body: (LlamaRunner) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(runner)
    }
}
