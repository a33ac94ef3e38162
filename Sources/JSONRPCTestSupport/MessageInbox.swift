import AssistdSupport
import Foundation
import JSONCore
import JSONRPC

/// Messages read from a peer, awaited one at a time. The wait has a generous limit only so a
/// broken test fails instead of hanging; no test asserts on time.
public final class MessageInbox: Sendable {
    public struct Timeout: Error, CustomStringConvertible {
        public let waited: Duration
        public var description: String { "no message arrived within \(waited)" }
    }

    public struct Ended: Error, CustomStringConvertible {
        public var description: String { "the stream ended" }
    }

    private struct Waiter {
        let token: Int
        let continuation: CheckedContinuation<JSONValue?, Never>
    }

    private struct State {
        var queue: [JSONValue] = []
        var ended = false
        var waiter: Waiter?
        var nextToken = 0
    }

    private let state = Locked(State())

    public init() {}

    public func push(_ message: JSONValue) {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.queue.append(message)
            return nil
        }
        waiter?.continuation.resume(returning: message)
    }

    public func end() {
        let waiter = state.withLock { state -> Waiter? in
            state.ended = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume(returning: nil)
    }

    /// Messages received but not yet taken.
    public var pending: [JSONValue] { state.withLock { $0.queue } }

    public func next(within limit: Duration = .seconds(20)) async throws -> JSONValue {
        let token = Locked(0)
        let message = await withCheckedContinuation { (continuation: CheckedContinuation<JSONValue?, Never>) in
            let ready = state.withLock { state -> JSONValue?? in
                if !state.queue.isEmpty { return .some(state.queue.removeFirst()) }
                if state.ended { return .some(nil) }
                state.nextToken += 1
                token.withLock { $0 = state.nextToken }
                state.waiter = Waiter(token: state.nextToken, continuation: continuation)
                return nil
            }
            if let ready {
                continuation.resume(returning: ready)
                return
            }
            let waitingToken = token.current
            Task { [self] in
                try? await Task.sleep(for: limit)
                let expired = state.withLock { state -> Waiter? in
                    guard state.waiter?.token == waitingToken else { return nil }
                    defer { state.waiter = nil }
                    return state.waiter
                }
                expired?.continuation.resume(returning: nil)
            }
        }
        if let message { return message }
        if state.withLock({ $0.ended }) { throw Ended() }
        throw Timeout(waited: limit)
    }

    /// Waits until the stream ends, returning whatever arrived meanwhile.
    public func remainingUntilEnd(within limit: Duration = .seconds(20)) async throws -> [JSONValue] {
        var messages: [JSONValue] = []
        while true {
            do {
                messages.append(try await next(within: limit))
            } catch is Ended {
                return messages
            }
        }
    }
}
