import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The delegate of the one session: routes each task's callbacks to its `ExchangeState`.
/// `@unchecked Sendable`: URLSession calls it on its delegate queue while `open` registers
/// from any task; the only mutable state, `exchanges`, is guarded by `lock`.
final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var exchanges: [Int: ExchangeState] = [:]

    func register(_ exchange: ExchangeState, for id: Int) {
        lock.withLock { exchanges[id] = exchange }
    }

    private func exchange(_ id: Int, remove: Bool = false) -> ExchangeState? {
        lock.withLock { remove ? exchanges.removeValue(forKey: id) : exchanges[id] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        exchange(dataTask.taskIdentifier)?.receivedHead(HTTPResponseHead(status: http?.statusCode ?? 0, headers: headers))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        exchange(dataTask.taskIdentifier)?.received(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        exchange(task.taskIdentifier, remove: true)?.completed(error)
    }

    /// libcurl asks for the body again when a reused keep-alive connection died before any
    /// response byte and it means to resend the request on a fresh one. FoundationNetworking
    /// cannot rewind a `Data` body, so that resend would go out without its body and wait
    /// for an answer that never comes: the request is ended here instead, as closed before
    /// its response on a reused connection, and `HTTPTransport` repeats it on a fresh one.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, needNewBodyStream completionHandler: @escaping (InputStream?) -> Void
    ) {
        exchange(task.taskIdentifier)?.reusedConnectionDied()
        completionHandler(nil)
        // Called on the session's own queue, which `cancel` waits on: cancel from elsewhere.
        DispatchQueue.global().async { task.cancel() }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        // Never follow redirects: they would carry the Authorization header to another place.
        completionHandler(nil)
    }
}
