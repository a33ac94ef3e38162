import Foundation
import HTTPStreaming

/// One bounded request (no credentials) to tell whether a server answers at all: any HTTP
/// status counts as reachable. For `assistd doctor`.
enum ReachabilityProbe {
    enum Outcome: Sendable {
        case answered(status: Int, seconds: Double)
        case failed(String)
    }

    static func probe(_ url: URL, method: String = "HEAD", timeout: TimeInterval = 5) -> Outcome {
        let transport = CurlTransport(connectTimeout: .seconds(timeout), readTimeout: .seconds(timeout))
        defer { transport.shutdown() }
        let box = OutcomeBox()
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            let started = ContinuousClock.now
            do {
                let exchange = try await transport.open(HTTPRequest(method: method, url: url, headers: [], body: nil))
                exchange.cancel()
                let elapsed = (ContinuousClock.now - started).components
                box.set(.answered(status: exchange.head.status, seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18))
            } catch {
                box.set(.failed((error as? TransportError)?.message ?? "\(error)"))
            }
            done.signal()
        }
        // A hard bound whatever the transport's timeouts do.
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
