import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension OpenAIChatModel {
    enum TransportEvent: Sendable {
        /// Always first: the status and content type.
        case response(status: Int, contentType: String)
        /// Body bytes, as they come off the connection.
        case body(Data)
    }

    /// One URLSession per model, so keep-alive connections are reused across turns. Each
    /// request's response and body arrive incrementally through the session delegate, as an
    /// async stream; ending that stream early (the consumer was cancelled) cancels the request.
    final class Transport: Sendable {
        private let session: URLSession
        private let delegate: SessionDelegate

        /// `idleTimeout`: seconds without bytes before a request fails. Linux's URLSession reads
        /// it from the session configuration, not from the request.
        init(idleTimeout: TimeInterval) {
            let configuration = URLSessionConfiguration.default
            configuration.timeoutIntervalForRequest = idleTimeout
            configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
            configuration.urlCache = nil
            configuration.httpCookieStorage = nil
            delegate = SessionDelegate()
            let queue = OperationQueue()
            queue.maxConcurrentOperationCount = 1
            queue.name = "assistd.openai-chat-model"
            session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        }

        deinit {
            session.invalidateAndCancel()
        }

        func send(_ request: URLRequest) -> AsyncThrowingStream<TransportEvent, any Error> {
            let (stream, continuation) = AsyncThrowingStream<TransportEvent, any Error>.makeStream()
            let task = session.dataTask(with: request)
            let taskID = task.taskIdentifier
            delegate.register(taskID, continuation)
            continuation.onTermination = { [delegate] termination in
                delegate.unregister(taskID)
                if case .cancelled = termination { task.cancel() }
            }
            task.resume()
            return stream
        }
    }

    private final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        private let lock = NSLock()
        private var streams: [Int: AsyncThrowingStream<TransportEvent, any Error>.Continuation] = [:]

        func register(_ taskID: Int, _ continuation: AsyncThrowingStream<TransportEvent, any Error>.Continuation) {
            lock.withLock { streams[taskID] = continuation }
        }

        func unregister(_ taskID: Int) {
            _ = lock.withLock { streams.removeValue(forKey: taskID) }
        }

        private func stream(for task: URLSessionTask) -> AsyncThrowingStream<TransportEvent, any Error>.Continuation? {
            lock.withLock { streams[task.taskIdentifier] }
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
        ) {
            let http = response as? HTTPURLResponse
            let contentType = http?.value(forHTTPHeaderField: "Content-Type") ?? response.mimeType ?? ""
            stream(for: dataTask)?.yield(.response(status: http?.statusCode ?? 0, contentType: contentType))
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            stream(for: dataTask)?.yield(.body(data))
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            let continuation = lock.withLock { streams.removeValue(forKey: task.taskIdentifier) }
            if let error {
                continuation?.finish(throwing: error)
            } else {
                continuation?.finish()
            }
        }
    }
}
