import AssistdSupport
import Foundation
import JSONCore

public struct ConnectionOptions: Sendable {
    public var framing: FramingSelection
    public var maxMessageBytes: Int
    public var logger: Logger
    public var trace: MessageTrace?
    public var ownRequestIDs: OwnRequestIDStyle
    /// Bytes of stream frames (run events) queued for the peer before their producers wait.
    public var streamBudgetBytes: Int
    /// How long the peer may read nothing while output waits before its streams are ended;
    /// nil: never.
    public var stalledPeerLimit: Duration?
    /// What tells the peer that we stopped waiting for one of our requests.
    public var cancellationNotice: PeerCancellationNotice
    /// What the read thread does while it waits for input; nil: nothing (it blocks in `read`).
    public var inputWait: InputWait?

    public static let defaultStreamBudgetBytes = 4 << 20
    public static let defaultStalledPeerLimit: Duration = .seconds(60)

    public init(
        framing: FramingSelection = .auto,
        maxMessageBytes: Int = FrameParser.defaultMaxMessageBytes,
        logger: Logger = .disabled,
        trace: MessageTrace? = nil,
        ownRequestIDs: OwnRequestIDStyle = .serverStrings,
        streamBudgetBytes: Int = ConnectionOptions.defaultStreamBudgetBytes,
        stalledPeerLimit: Duration? = ConnectionOptions.defaultStalledPeerLimit,
        cancellationNotice: PeerCancellationNotice = .cancelRequest,
        inputWait: InputWait? = nil
    ) {
        self.framing = framing
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
        self.trace = trace
        self.ownRequestIDs = ownRequestIDs
        self.streamBudgetBytes = streamBudgetBytes
        self.stalledPeerLimit = stalledPeerLimit
        self.cancellationNotice = cancellationNotice
        self.inputWait = inputWait
    }
}

/// Work the read thread does while it waits for input: the HTTP calls that requests started on
/// it (`RequestRoute.runSerializedAtOnce`) are performed there, so their answers wake that
/// thread alone. Both run on the read thread only.
public struct InputWait: Sendable {
    /// Returns once the input is readable (the thread's other work goes on meanwhile).
    public var untilReadable: @Sendable (_ input: Int32) -> Void
    /// Runs that work to its end, once the requests that wait for it were cancelled (`close`).
    public var finish: @Sendable () -> Void

    public init(untilReadable: @escaping @Sendable (_ input: Int32) -> Void, finish: @escaping @Sendable () -> Void) {
        self.untilReadable = untilReadable
        self.finish = finish
    }
}

/// The notification sent to the peer when one of our requests times out or its waiting task is
/// cancelled: `$/cancelRequest {"id"}` unless a protocol names its own.
public struct PeerCancellationNotice: Sendable {
    public var method: String
    public var params: @Sendable (_ id: RequestID, _ reason: String) -> JSONValue

    public init(method: String, params: @escaping @Sendable (_ id: RequestID, _ reason: String) -> JSONValue) {
        self.method = method
        self.params = params
    }

    public static let cancelRequest = PeerCancellationNotice(method: Connection.cancelRequestMethod) { id, _ in ["id": id.json] }
}

/// The ids of the requests a connection sends: a server's go to its client as "s1", "s2", … so
/// they never collide with the client's own ids; a client numbers its requests 1, 2, … as
/// clients do.
public enum OwnRequestIDStyle: Sendable {
    case serverStrings
    case clientIntegers

    func id(_ number: Int) -> RequestID {
        switch self {
        case .serverStrings: return .string("s\(number)")
        case .clientIntegers: return .int(Int64(number))
        }
    }
}

/// One JSON-RPC peer connection over two file descriptors: a dedicated blocking read thread, a
/// dispatcher consulted in arrival order, a task per request, one ordered writer, cancellation,
/// and requests of our own to the peer.
public final class Connection: Sendable {
    public static let cancelRequestMethod = "$/cancelRequest"

    let input: Int32
    let options: ConnectionOptions
    let writer: OrderedWriter
    let state = Locked(State())
    /// Entered for each running request task, left once its response is queued.
    let runningRequests = DispatchGroup()
    let detectedMode: Locked<FramingMode?>

    struct State {
        var closed = false
        var inFlight: [RequestID: InFlightRequest] = [:]
        var nextTaskToken: UInt64 = 0
        var pendingPeerRequests: [RequestID: PendingPeerRequest] = [:]
        var nextPeerRequestNumber = 1
    }

    struct InFlightRequest {
        let token: UInt64
        /// nil while a request started at once has not suspended yet (the read thread runs it,
        /// so no cancel can be read meanwhile).
        var task: Task<Void, Never>?
    }

    struct PendingPeerRequest {
        let method: String
        let continuation: CheckedContinuation<JSONValue, any Error>
        var timeout: Task<Void, Never>?
    }

    public init(input: Int32, output: Int32, options: ConnectionOptions = ConnectionOptions()) {
        self.input = input
        self.options = options
        self.detectedMode = Locked(options.framing.fixedMode)
        self.writer = OrderedWriter(
            fileDescriptor: output, mode: options.framing.fixedMode ?? .lsp,
            limits: OrderedWriter.Limits(streamBudgetBytes: options.streamBudgetBytes, stallLimit: options.stalledPeerLimit),
            trace: options.trace, logger: options.logger)
    }

    /// The framing in use, once known.
    public var framingMode: FramingMode? { detectedMode.current }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Ids of requests whose handlers are still running.
    public var requestsInFlight: Set<RequestID> { state.withLock { Set($0.inFlight.keys) } }

    /// Starts the read thread. `onInputClosed` runs on that thread when input reaches end of file
    /// (not when `close` was called first).
    public func start(dispatcher: any MessageDispatcher, onInputClosed: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            readLoop(dispatcher: dispatcher)
            if !isClosed { onInputClosed() }
        }
        thread.name = "jsonrpc.reader"
        thread.stackSize = 4 << 20
        thread.start()
    }

    // MARK: - Sending

    /// Queues a notification. With `stream`, it goes out after that request's queued events.
    public func sendNotification(method: String, params: JSONValue?, stream: RequestID? = nil) {
        writer.enqueue(OutgoingMessage.notification(method: method, params: params).json, stream: stream)
    }

    /// Queues one of request `stream`'s events, waiting while the output's stream budget is
    /// full (back-pressure). Throws `OutputError` when the peer stalled or the output closed.
    public func sendStreamNotification(method: String, params: JSONValue?, stream: RequestID) async throws {
        try await writer.send(OutgoingMessage.notification(method: method, params: params).json, stream: stream)
    }

    /// A batch to fill with request `stream`'s events (`sendStreamBatch`).
    public func makeStreamBatch() -> StreamMessageBatch { writer.makeStreamBatch() }

    /// Queues a batch of request `stream`'s events at once, in order: one queueing and one
    /// wake-up of the writer for all of them. Waits (for room for all) and throws as
    /// `sendStreamNotification` does.
    public func sendStreamBatch(_ batch: StreamMessageBatch, stream: RequestID) async throws {
        try await writer.send(batch, stream: stream)
    }

    /// Sends a request to the peer and waits for its response, with an id of
    /// `options.ownRequestIDs`'s style. Throws the peer's error response as a
    /// `JSONRPCError`, `PeerRequestError` on timeout or close, and `CancellationError` when the
    /// calling task is cancelled (the peer is then sent `$/cancelRequest`).
    /// With `stream`, the request goes out after that request's queued events.
    public func sendRequest(method: String, params: JSONValue?, timeout: Duration, stream: RequestID? = nil) async throws -> JSONValue {
        let id = state.withLock { state -> RequestID in
            defer { state.nextPeerRequestNumber += 1 }
            return options.ownRequestIDs.id(state.nextPeerRequestNumber)
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JSONValue, any Error>) in
                let accepted = state.withLock { state -> Bool in
                    guard !state.closed else { return false }
                    state.pendingPeerRequests[id] = PendingPeerRequest(method: method, continuation: continuation)
                    return true
                }
                guard accepted else {
                    continuation.resume(throwing: PeerRequestError.connectionClosed(method: method, id: id.text))
                    return
                }
                if Task.isCancelled {
                    failPeerRequest(id, with: CancellationError(), noticeReason: nil)
                    return
                }
                let timer = Task { [self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    failPeerRequest(id, with: PeerRequestError.timedOut(method: method, id: id.text), noticeReason: "timed out")
                }
                state.withLock { $0.pendingPeerRequests[id]?.timeout = timer }
                writer.enqueue(OutgoingMessage.request(id: id, method: method, params: params).json, stream: stream)
            }
        } onCancel: {
            failPeerRequest(id, with: CancellationError(), noticeReason: "cancelled")
        }
    }

    /// `noticeReason`: tell the peer (`options.cancellationNotice`) why we stopped waiting.
    private func failPeerRequest(_ id: RequestID, with error: any Error, noticeReason: String?) {
        guard let pending = state.withLock({ $0.pendingPeerRequests.removeValue(forKey: id) }) else { return }
        pending.timeout?.cancel()
        // Queued before the waiting handler resumes, so the peer hears of it before the
        // handler's own response.
        if let noticeReason {
            let notice = options.cancellationNotice
            sendNotification(method: notice.method, params: notice.params(id, noticeReason))
        }
        pending.continuation.resume(throwing: error)
    }

    private func resolvePeerRequest(id: RequestID?, outcome: Result<JSONValue, JSONRPCError>) {
        let pending = id.flatMap { id in state.withLock { $0.pendingPeerRequests.removeValue(forKey: id) } }
        guard let pending else {
            switch outcome {
            case .failure(let error) where id == nil:
                options.logger.warning("peer reported an error about one of our messages: \(error.message)")
            default:
                options.logger.warning("dropped a response for unknown request id \(id.map(\.description) ?? "null")")
            }
            return
        }
        pending.timeout?.cancel()
        pending.continuation.resume(with: outcome.mapError { $0 as any Error })
    }

    // MARK: - Closing

    /// Stops accepting input, cancels every running request, fails every pending request to the
    /// peer, then waits until the deadline for running requests to answer and the writer to drain.
    public func close(deadline: DispatchTime) {
        let (tasks, pending) = state.withLock { state in
            state.closed = true
            let tasks = state.inFlight.values.compactMap(\.task)
            let pending = state.pendingPeerRequests
            state.pendingPeerRequests = [:]
            return (tasks, pending)
        }
        // Pending peer requests fail first, so their handlers see `connectionClosed` rather than
        // racing the cancellation of their own task.
        for (id, request) in pending {
            request.timeout?.cancel()
            request.continuation.resume(throwing: PeerRequestError.connectionClosed(method: request.method, id: id.text))
        }
        for task in tasks { task.cancel() }
        // Closed on the read thread, the calls its requests wait for end there (cancelled) or nowhere.
        options.inputWait?.finish()
        if runningRequests.wait(timeout: deadline) == .timedOut {
            options.logger.warning("closing with requests still running after cancellation")
        }
        if !writer.flush(timeout: deadline) {
            options.logger.warning("closing before all output was written (is the client reading stdout?)")
        }
        writer.close()
        options.trace?.flush()
    }

    // MARK: - Reading

    private func readLoop(dispatcher: any MessageDispatcher) {
        var parser = FrameParser(framing: options.framing, maxMessageBytes: options.maxMessageBytes)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while !isClosed {
            // A client that sends requests but reads no answers is not read faster than it reads.
            writer.waitForUrgentRoom()
            options.inputWait?.untilReadable(input)
            let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                options.logger.error("reading input failed: \(String(cString: strerror(errno)))")
                break
            }
            if count == 0 { break }
            let events = chunk.withUnsafeBufferPointer { parser.feed(UnsafeBufferPointer(rebasing: $0[0..<count])) }
            noteMode(parser.mode)
            for event in events where !isClosed {
                handle(event, dispatcher: dispatcher)
            }
        }
        guard !isClosed else { return }
        for event in parser.finish() {
            handle(event, dispatcher: dispatcher)
        }
    }

    private func noteMode(_ mode: FramingMode?) {
        guard let mode else { return }
        let changed = detectedMode.withLock { current -> Bool in
            guard current == nil else { return false }
            current = mode
            return true
        }
        if changed {
            writer.setMode(mode)
            options.logger.debug("framing: \(mode.rawValue)")
        }
    }

    private func handle(_ event: FrameEvent, dispatcher: any MessageDispatcher) {
        switch event {
        case .error(let framingError):
            options.logger.warning("framing error: \(framingError)")
            let error: JSONRPCError
            switch framingError {
            case .messageTooLarge(let length, let limit):
                var data: JSONObject = ["limit": .int(Int64(limit))]
                if let length { data["length"] = .int(Int64(length)) }
                error = .invalidRequest(framingError.description, data: .object(data))
            default:
                error = .parseError(framingError.description)
            }
            writer.enqueue(OutgoingMessage.response(id: nil, outcome: .failure(error)).json)
        case .message(let body):
            handle(body: body, dispatcher: dispatcher)
        }
    }

    private func handle(body: [UInt8], dispatcher: any MessageDispatcher) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            // Said in the log too: the peer may be a child whose stray output would otherwise go unseen.
            options.logger.warning("ignored input that is not JSON (\(error.message) at byte \(error.offset)): \(Self.preview(body))")
            options.trace?.record(.incoming, unparsed: body)
            let parseError: JSONRPCError
            if String(validating: body, as: UTF8.self) == nil {
                parseError = .parseError("message is not valid UTF-8")
            } else {
                parseError = .parseError("invalid JSON: \(error.message) at byte \(error.offset)", data: ["offset": .int(Int64(error.offset))])
            }
            writer.enqueue(OutgoingMessage.response(id: nil, outcome: .failure(parseError)).json)
            return
        }
        options.trace?.record(.incoming, message: value)
        if case .array(let elements) = value {
            handleBatch(elements, dispatcher: dispatcher)
        } else {
            handle(value, dispatcher: dispatcher, replyTo: .direct)
        }
    }

    /// The start of unreadable input, for a log line.
    static func preview(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(120), as: UTF8.self)
        return body.count > 120 ? text + "…" : text
    }

    private func handleBatch(_ elements: [JSONValue], dispatcher: any MessageDispatcher) {
        guard !elements.isEmpty else {
            let error = JSONRPCError.invalidRequest("an empty batch is not a request")
            writer.enqueue(OutgoingMessage.response(id: nil, outcome: .failure(error)).json)
            return
        }
        let batch = BatchReplies(writer: writer)
        for element in elements {
            handle(element, dispatcher: dispatcher, replyTo: .batch(batch))
        }
        batch.sealed()
    }

    private func handle(_ value: JSONValue, dispatcher: any MessageDispatcher, replyTo target: ReplyTarget) {
        switch IncomingMessage.decode(value) {
        case .failure(let invalid):
            options.logger.warning("ignored an invalid message: \(invalid.error.message)")
            target.replyNow(OutgoingMessage.response(id: invalid.id, outcome: .failure(invalid.error)).json, writer: writer)
        case .success(.notification(let method, let params)):
            if method == Self.cancelRequestMethod {
                cancelRequest(params)
            } else {
                dispatcher.receive(notification: method, params: params)
            }
        case .success(.response(let id, let outcome)):
            resolvePeerRequest(id: id, outcome: outcome)
        case .success(.request(let request)):
            start(request, dispatcher: dispatcher, replyTo: target)
        }
    }

    private func start(_ request: IncomingRequest, dispatcher: any MessageDispatcher, replyTo target: ReplyTarget) {
        let id = request.id
        if state.withLock({ $0.inFlight[id] != nil }) {
            let error = JSONRPCError.invalidRequest("id \(id) is already used by a request in progress")
            target.replyNow(OutgoingMessage.response(id: id, outcome: .failure(error)).json, writer: writer)
            return
        }
        let route = dispatcher.route(request)
        switch route {
        case .reply(let outcome):
            target.replyNow(OutgoingMessage.response(id: id, outcome: outcome).json, writer: writer)
        case .run(let body):
            startTask(request, replyTo: target) { [logger = options.logger] channel in
                let outcome = await Self.outcome(of: body, channel: channel, logger: logger)
                return { writer in target.deliverExpected(OutgoingMessage.response(id: id, outcome: outcome).json, writer: writer, stream: id) }
            }
        case .runSerialized(let body), .runSerializedAtOnce(let body):
            let atOnce = if case .runSerializedAtOnce = route { true } else { false }
            startTask(request, replyTo: target, atOnce: atOnce) { [logger = options.logger] channel in
                let outcome = await Self.outcome(of: body, channel: channel, logger: logger)
                return { writer in
                    switch outcome {
                    case .success(let result):
                        target.deliverExpected(response: id, result: result, writer: writer, stream: id)
                    case .failure(let error):
                        target.deliverExpected(OutgoingMessage.response(id: id, outcome: .failure(error)).json, writer: writer, stream: id)
                    }
                }
            }
        }
    }

    /// Runs the request's work in a task of its own, remembered for `$/cancelRequest` while it
    /// runs; `work` answers how to deliver the response, which happens once the request is
    /// forgotten (so the peer may reuse its id as soon as it reads the response). `atOnce`
    /// starts the task on this thread and resumes it on the thread that ends each of its waits
    /// (`RequestRoute.runSerializedAtOnce`, `ResumingThreadExecutor`).
    private func startTask(
        _ request: IncomingRequest, replyTo target: ReplyTarget, atOnce: Bool = false,
        _ work: @escaping @Sendable (RequestChannel) async -> @Sendable (OrderedWriter) -> Void
    ) {
        let id = request.id
        let channel = RequestChannel(id: id, method: request.method, connection: self)
        target.expectReply()
        runningRequests.enter()
        // Remembered before the task starts: one started at once may finish before it returns.
        let token = state.withLock { locked in
            let token = locked.nextTaskToken
            locked.nextTaskToken += 1
            locked.inFlight[id] = InFlightRequest(token: token, task: nil)
            return token
        }
        let body: @Sendable () async -> Void = { [self] in
            let deliver = await work(channel)
            state.withLock { state in
                if state.inFlight[id]?.token == token { state.inFlight[id] = nil }
            }
            deliver(writer)
            runningRequests.leave()
        }
        // Above the streaming work (which runs at .utility), so requests are not starved.
        let task =
            atOnce
            ? Task.immediate(priority: .userInitiated, executorPreference: ResumingThreadExecutor.shared, operation: body)
            : Task(priority: .userInitiated, operation: body)
        state.withLock { state in
            if state.inFlight[id]?.token == token { state.inFlight[id]?.task = task }
        }
    }

    private static func outcome<Value: Sendable>(
        of body: @Sendable (RequestChannel) async throws -> Value, channel: RequestChannel, logger: Logger
    ) async -> Result<Value, JSONRPCError> {
        do {
            return .success(try await body(channel))
        } catch let error as JSONRPCError {
            return .failure(error)
        } catch is CancellationError {
            return .failure(.requestCancelled(channel.id))
        } catch OutputError.peerStalled(let seconds) {
            logger.warning("ended the stream of request \(channel.id) '\(channel.method)': the client read no output for \(seconds) s")
            return .failure(.streamEndedForStalledClient(channel.id, seconds: seconds))
        } catch {
            if Task.isCancelled { return .failure(.requestCancelled(channel.id)) }
            logger.error("'\(channel.method)' failed: \(error)")
            return .failure(.internalError(String(describing: error)))
        }
    }

    /// `$/cancelRequest {id}`: cancels the request's task; its handler still answers (its result if
    /// it finished anyway, else -32800). Unknown or finished ids are ignored.
    private func cancelRequest(_ params: JSONValue?) {
        guard let idValue = params?["id"], let id = RequestID(json: idValue) else {
            options.logger.warning("ignored $/cancelRequest without a readable id")
            return
        }
        if let task = state.withLock({ $0.inFlight[id]?.task }) {
            options.logger.debug("cancelling request \(id)")
            task.cancel()
        } else {
            options.logger.debug("ignored $/cancelRequest for \(id): not in progress")
        }
    }
}

/// Where a request's response goes: straight to the writer, or into its batch's reply array.
enum ReplyTarget: Sendable {
    case direct
    case batch(BatchReplies)

    /// Announces a reply that a task will deliver later.
    func expectReply() {
        if case .batch(let batch) = self { batch.expectReply() }
    }

    /// Delivers a reply announced with `expectReply`.
    /// `stream`: the request it answers, whose queued events it must follow.
    func deliverExpected(_ response: JSONValue, writer: OrderedWriter, stream: RequestID? = nil) {
        switch self {
        case .direct: writer.enqueue(response, stream: stream)
        case .batch(let batch): batch.deliver(response)
        }
    }

    /// `deliverExpected` for a success whose result is already serialized: spliced as it is when
    /// written directly; a batch, which replies with one array, takes it parsed.
    func deliverExpected(response id: RequestID, result: SerializedJSON, writer: OrderedWriter, stream: RequestID? = nil) {
        switch self {
        case .direct:
            writer.enqueue(response: id, result: result, stream: stream)
        case .batch(let batch):
            let outcome: Result<JSONValue, JSONRPCError> = Result { try result.parsed() }
                .mapError { .internalError("the result is not valid JSON: \($0)") }
            batch.deliver(OutgoingMessage.response(id: id, outcome: outcome).json)
        }
    }

    /// Delivers a reply decided while the message is being read.
    func replyNow(_ response: JSONValue, writer: OrderedWriter) {
        expectReply()
        deliverExpected(response, writer: writer)
    }
}

/// Collects the responses of one batch and writes them as one array once the last one is in.
/// A batch of only notifications writes nothing.
final class BatchReplies: Sendable {
    private let writer: OrderedWriter
    private let state = Locked(State())

    private struct State {
        var responses: [JSONValue] = []
        /// Replies still to come, plus one until the whole batch has been read.
        var outstanding = 1
    }

    init(writer: OrderedWriter) { self.writer = writer }

    func expectReply() { state.withLock { $0.outstanding += 1 } }

    func deliver(_ response: JSONValue) {
        finishOne { $0.responses.append(response) }
    }

    /// Called once every element of the batch has been read.
    func sealed() { finishOne { _ in } }

    private func finishOne(_ update: (inout State) -> Void) {
        let complete = state.withLock { state -> [JSONValue]? in
            update(&state)
            state.outstanding -= 1
            return state.outstanding == 0 ? state.responses : nil
        }
        if let complete, !complete.isEmpty {
            writer.enqueueAfterEverything(.array(complete))
        }
    }
}
