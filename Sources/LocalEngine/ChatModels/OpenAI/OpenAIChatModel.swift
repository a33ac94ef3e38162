import AssistdSupport
import Foundation
import HTTPStreaming
import JSONCore

/// The `openai` chat model: a client of an OpenAI-compatible `/chat/completions` server
/// (OpenAI, DashScope's compatible mode, Ollama, vLLM, llama.cpp's server), always streamed.
/// One `CurlTransport` per model, so keep-alive connections are reused across turns.
public final class OpenAIChatModel: ChatModel {
    public let configuration: OpenAIChatModelConfiguration
    private let transport: CurlTransport
    private let logger: Logger
    /// Set once the server refused `stream_options`; this instance then stops sending it.
    private let streamOptionsRefused = Flag()

    /// Bodies of refused requests are read up to this size, for the error message.
    static let errorBodyLimit = 64 * 1024
    /// A non-streamed answer (a server that ignored `stream: true`) is read up to this size.
    static let wholeBodyLimit = 16 * 1024 * 1024

    public init(configuration: OpenAIChatModelConfiguration, logger: Logger = .disabled) {
        self.configuration = configuration
        self.logger = logger
        KnownSecrets.register(configuration.apiKey)
        transport = CurlTransport(
            connectTimeout: .seconds(configuration.connectTimeout), readTimeout: .seconds(configuration.readTimeout))
    }

    deinit {
        transport.shutdown()
    }

    public var displayName: String { "openai \(configuration.baseURL.absoluteString)" }
    public var contextTokens: Int { configuration.contextTokens }

    /// Whether requests still carry `stream_options: {include_usage: true}`.
    public var sendsStreamOptions: Bool { !streamOptionsRefused.isSet }

    public func streamTurn(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ChatEvent, any Error>.makeStream()
        let apiKey = configuration.apiKey
        let worker = Task {
            do {
                try await self.runTurn(request, into: continuation)
                continuation.finish()
            } catch let error as ChatModelError {
                continuation.finish(throwing: ErrorText.redacting(error, apiKey: apiKey))
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { worker.cancel() }
        }
        return stream
    }

    private func runTurn(_ request: ChatRequest, into output: AsyncThrowingStream<ChatEvent, any Error>.Continuation) async throws {
        var includeUsage = sendsStreamOptions
        while true {
            let exchange = try await open(makeHTTPRequest(request, includeUsage: includeUsage))
            let status = exchange.head.status
            var body = exchange.body.makeAsyncIterator()
            guard (200..<300).contains(status) else {
                let errorBody = try await readWholeBody(&body, limit: Self.errorBodyLimit, allowTruncation: true)
                if includeUsage, ErrorText.blamesStreamOptions(status: status, body: errorBody) {
                    streamOptionsRefused.set()
                    includeUsage = false
                    logger.info("\(displayName) refused stream_options (HTTP \(status)); asking again without it")
                    continue
                }
                throw ErrorText.httpError(status: status, body: errorBody, url: configuration.chatCompletionsURL)
            }
            if (exchange.head.header("content-type") ?? "").lowercased().contains("application/json") {
                try await readWholeCompletion(&body, into: output)
            } else {
                try await readStream(&body, into: output)
            }
            return
        }
    }

    func makeHTTPRequest(_ request: ChatRequest, includeUsage: Bool) -> HTTPRequest {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("Accept", "text/event-stream")]
        if let apiKey = configuration.apiKey, !apiKey.isEmpty {
            headers.append(("Authorization", "Bearer \(apiKey)"))
        }
        let body = RequestBody(
            request: request, serverModel: configuration.serverModel(for: request.model), includeUsage: includeUsage,
            sendTopK: configuration.sendTopK)
        return HTTPRequest(method: "POST", url: configuration.chatCompletionsURL, headers: headers, body: Data(body.json.serialized()))
    }

    /// Sends the request and waits for the response head.
    private func open(_ request: HTTPRequest) async throws -> HTTPExchange {
        let started = ContinuousClock.now
        do {
            let exchange = try await transport.open(request)
            logger.debug("\(displayName): POST -> \(exchange.head.status) after \(Self.milliseconds(since: started)) ms")
            return exchange
        } catch {
            try Task.checkCancellation()
            throw transportError(error, afterResponse: false)
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = (ContinuousClock.now - start).components
        return elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000
    }

    // MARK: Reading the response

    private func readWholeBody(
        _ body: inout AsyncThrowingStream<Data, any Error>.Iterator, limit: Int, allowTruncation: Bool
    ) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            while let data = try await body.next() {
                bytes.append(contentsOf: data.prefix(limit - bytes.count))
                if bytes.count >= limit {
                    if allowTruncation { return bytes }
                    throw ChatModelError(.server, "the model server's answer is larger than \(limit) bytes")
                }
            }
        } catch let error as ChatModelError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw transportError(error, afterResponse: true)
        }
        try Task.checkCancellation()
        return bytes
    }

    private func readStream(
        _ body: inout AsyncThrowingStream<Data, any Error>.Iterator,
        into output: AsyncThrowingStream<ChatEvent, any Error>.Continuation
    ) async throws {
        var reader = SSEParser(isCompleteData: ChunkAccumulator.isCompleteData)
        var accumulator = ChunkAccumulator()
        do {
            reading: while let data = try await body.next() {
                for sse in reader.feed(data) {
                    for chatEvent in try accumulator.consume(sse) { output.yield(chatEvent) }
                    if accumulator.sawDone { break reading }
                }
            }
        } catch let error as ChatModelError {
            throw error
        } catch {
            try Task.checkCancellation()
            // A connection that breaks after the finish reason lost at most the usage chunk.
            guard accumulator.turnEnded else { throw transportError(error, afterResponse: true) }
        }
        try Task.checkCancellation()
        if !accumulator.sawDone {
            for sse in reader.finish() {
                for chatEvent in try accumulator.consume(sse) { output.yield(chatEvent) }
            }
        }
        guard accumulator.turnEnded else {
            throw ChatModelError(
                .server, "the model server ended the stream before the turn finished (no finish_reason and no [DONE])")
        }
        for chatEvent in try accumulator.closingEvents() { output.yield(chatEvent) }
        output.finish()
        if accumulator.sawDone { await drainAfterDone(&body) }
    }

    /// Reads what follows `[DONE]` (normally nothing) so the connection can be reused; a
    /// server that keeps talking gets its request cancelled.
    private func drainAfterDone(_ body: inout AsyncThrowingStream<Data, any Error>.Iterator) async {
        var drained = 0
        while drained < Self.errorBodyLimit, let data = try? await body.next() {
            drained += data.count
        }
    }

    /// A server that ignored `stream: true` answers with one `chat.completion` object; it is
    /// replayed through the same accumulator as one big delta.
    private func readWholeCompletion(
        _ body: inout AsyncThrowingStream<Data, any Error>.Iterator,
        into output: AsyncThrowingStream<ChatEvent, any Error>.Continuation
    ) async throws {
        let bytes = try await readWholeBody(&body, limit: Self.wholeBodyLimit, allowTruncation: false)
        let completion: JSONValue
        do {
            completion = try JSONValue.parse(bytes)
        } catch {
            throw ChatModelError(
                .server, "the model server's answer is not JSON (\(error)): \(ErrorText.truncated(String(decoding: bytes, as: UTF8.self), limit: 200))")
        }
        var chunk: JSONObject = [:]
        if let error = completion["error"] { chunk["error"] = error }
        if let usage = completion["usage"] { chunk["usage"] = usage }
        if let choice = completion["choices"]?.arrayValue?.first {
            var delta = choice["message"]?.objectValue ?? [:]
            if let calls = delta["tool_calls"]?.arrayValue {
                delta["tool_calls"] = .array(
                    calls.enumerated().map { position, call in
                        var call = call.objectValue ?? [:]
                        call["index"] = .int(Int64(position))
                        return .object(call)
                    })
            }
            chunk["choices"] = [["index": 0, "delta": .object(delta), "finish_reason": choice["finish_reason"] ?? .null]]
        }
        var accumulator = ChunkAccumulator()
        for chatEvent in try accumulator.consume(SSEEvent(event: nil, data: JSONValue.object(chunk).serialized())) {
            output.yield(chatEvent)
        }
        guard accumulator.turnEnded || completion["choices"]?.arrayValue?.isEmpty == false else {
            throw ChatModelError(.server, "the model server's answer has no choices")
        }
        for chatEvent in try accumulator.closingEvents() { output.yield(chatEvent) }
    }

    private func transportError(_ error: any Error, afterResponse: Bool) -> ChatModelError {
        ErrorText.transportError(error, afterResponse: afterResponse, url: configuration.chatCompletionsURL)
    }
}

extension OpenAIChatModel {
    /// A one-way switch shared by concurrent turns.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false

        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }
}
