import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One bounded request (no credentials) to tell whether a server answers at all: any HTTP
/// status counts as reachable. For `assistd doctor`.
enum ReachabilityProbe {
    enum Outcome {
        case answered(status: Int, seconds: Double)
        case failed(String)
    }

    static func probe(_ url: URL, method: String = "HEAD", timeout: TimeInterval = 5) -> Outcome {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.invalidateAndCancel() }
        let box = OutcomeBox()
        let done = DispatchSemaphore(value: 0)
        let started = Date()
        let task = session.dataTask(with: request) { _, response, error in
            if let http = response as? HTTPURLResponse {
                box.set(.answered(status: http.statusCode, seconds: Date().timeIntervalSince(started)))
            } else {
                box.set(.failed(error.map { $0.localizedDescription } ?? "no HTTP response"))
            }
            done.signal()
        }
        task.resume()
        // URLSession's own timeouts are not a hard bound; this is.
        guard done.wait(timeout: .now() + timeout + 1) == .success else {
            task.cancel()
            return .failed("no answer within \(Int(timeout)) s")
        }
        return box.get() ?? .failed("no HTTP response")
    }

    private final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var outcome: Outcome?

        func set(_ value: Outcome) {
            lock.lock()
            outcome = value
            lock.unlock()
        }

        func get() -> Outcome? {
            lock.lock()
            defer { lock.unlock() }
            return outcome
        }
    }
}
