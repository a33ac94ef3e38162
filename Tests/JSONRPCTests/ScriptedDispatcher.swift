import AssistdSupport
import Foundation
import JSONCore
import JSONRPC
import JSONRPCTestSupport

/// A one-shot signal a test opens to let a waiting handler go on.
final class Gate: Sendable {
    private let state = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until opened; deliberately not cancellable, like a handler that ignores cancellation.
    func wait() async {
        await withCheckedContinuation { continuation in
            let alreadyOpen = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadyOpen { continuation.resume() }
        }
    }
}

/// The name of the thread running the caller (a synchronous function: `Thread.current` is not
/// for async contexts, where the answer may change at any suspension).
func currentThreadName() -> String { Thread.current.name ?? "" }

struct SomeFailure: Error, CustomStringConvertible {
    var description: String { "something broke" }
}

/// A dispatcher with small test methods, named for what they do.
final class ScriptedDispatcher: MessageDispatcher {
    let gates = Locked<[String: Gate]>([:])
    let notifications = MessageInbox()
    let peerReplies = MessageInbox()

    func gate(_ name: String) -> Gate {
        gates.withLock { gates in
            if let gate = gates[name] { return gate }
            let gate = Gate()
            gates[name] = gate
            return gate
        }
    }

    func receive(notification method: String, params: JSONValue?) {
        notifications.push(["method": .string(method), "params": params ?? .null])
    }

    func route(_ request: IncomingRequest) -> RequestRoute {
        let params = request.params
        switch request.method {
        case "echo":
            return .run { _ in params ?? .null }
        case "echoSerialized":
            return .runSerialized { _ in SerializedJSON(params ?? .null) }
        case "failSerialized":
            return .runSerialized { _ in throw JSONRPCError(code: -32010, message: "no such thing", data: ["id": "x"]) }
        case "rejectNow":
            return .reply(.failure(.methodNotFound(request.method)))
        case "waitForCancel":
            return .run { _ in
                try await Task.sleep(for: .seconds(3600))
                return "not cancelled"
            }
        case "waitForGateAtOnce":
            // Names the thread it went on on after its wait: the one that opened the gate.
            let gate = gate(params?["gate"]?.stringValue ?? "")
            return .runSerializedAtOnce { _ in
                await gate.wait()
                return SerializedJSON(["finished": true, "thread": .string(currentThreadName())])
            }
        case "sleepAtOnce":
            return .runSerializedAtOnce { _ in
                try await Task.sleep(for: .seconds(3600))
                return SerializedJSON("not cancelled")
            }
        case "waitForGate":
            let gate = gate(params?["gate"]?.stringValue ?? "")
            return .run { _ in
                await gate.wait()
                return ["finished": true, "sawCancel": .bool(Task.isCancelled)]
            }
        case "notifyThenReply":
            let count = params?["count"]?.intValue ?? 0
            return .run { channel in
                for seq in 0..<count {
                    channel.sendNotification(method: "progress", params: ["request": channel.id.json, "seq": .int(seq)])
                    if seq % 7 == 0 { await Task.yield() }
                }
                return ["sent": .int(count)]
            }
        case "askClient":
            let timeoutMilliseconds = params?["timeout_ms"]?.intValue ?? 60_000
            return .run { [peerReplies] channel in
                do {
                    let answer = try await channel.sendRequest(
                        method: "tools/call", params: ["question": params?["question"] ?? .null],
                        timeout: .milliseconds(timeoutMilliseconds))
                    return ["answer": answer]
                } catch let error as PeerRequestError {
                    peerReplies.push(.string(error.description))
                    return ["failed": .string(error.description)]
                } catch let error as JSONRPCError {
                    return ["clientError": error.json]
                }
            }
        case "throwJSONRPCError":
            return .run { _ in throw JSONRPCError(code: -32010, message: "no such thing", data: ["id": "x"]) }
        case "throwOtherError":
            return .run { _ in throw SomeFailure() }
        case "strayPrint":
            return .run { _ in
                print("stray text from a handler")
                fflush(nil)
                return "printed"
            }
        default:
            return .reply(.failure(.methodNotFound(request.method)))
        }
    }
}
