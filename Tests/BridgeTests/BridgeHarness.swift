import AssistantAPI
import Bridge
import Foundation
import JSONCore
import JSONRPC
import JSONRPCTestSupport
import LocalEngine
import XCTest

/// A `BridgeServer` behind a real connection over pipes, with a recorder for `exit`.
final class BridgeHarness: Sendable {
    let pipes: PipeConnection
    let server: BridgeServer
    let exitCodes = MessageInbox()

    init(methods: MethodTable = BridgeHarness.emptyTable(), configure: (inout BridgeConfiguration) -> Void = { _ in }) {
        var configuration = BridgeConfiguration()
        configure(&configuration)
        let exitCodes = exitCodes
        server = BridgeServer(configuration: configuration, methods: methods) { code in
            exitCodes.push(.int(Int64(code)))
        }
        pipes = PipeConnection(clientFraming: .lsp, dispatcher: server)
    }

    /// A table with no methods registered; its backend is never called.
    static func emptyTable() -> MethodTable { MethodTable(backends: BackendSlot(unusedBackend)) }

    /// A backend for tables whose methods never call it.
    static let unusedBackend: any AssistantBackend = {
        do {
            return try LocalBackend(location: .memory, model: UnavailableChatModel(reason: "not used"))
        } catch {
            fatalError("cannot open an in-memory store: \(error)")
        }
    }()

    var client: TestClient { pipes.client }

    /// Sends a request and returns its response (no other traffic is expected meanwhile).
    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
        let id = client.sendRequest(method, params: params)
        let reply = try await client.next()
        XCTAssertEqual(reply["id"], .int(id))
        return reply
    }

    func initialize(_ params: JSONValue = ["clientInfo": ["name": "tests"]]) async throws -> JSONValue {
        let reply = try await call("initialize", params)
        client.sendNotification("initialized")
        return reply
    }
}

/// The repository root, found from this file's path (Tests/BridgeTests/…).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
