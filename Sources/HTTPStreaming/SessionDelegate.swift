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

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        // Never follow redirects: they would carry the Authorization header to another place.
        completionHandler(nil)
    }
}
