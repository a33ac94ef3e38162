import AssistantAPI
import Foundation
import JSONCore
import JSONRPC

/// `session/new` and `session/load`: a session is a thread (its id is the first thread's id),
/// whose metadata records the project directory and the assistant.
extension ACPAgent {
    static let cwdKey = "acp_cwd"
    static let assistantKey = "acp_assistant_id"
    /// Set by `/new` on the thread it leaves: `session/load` follows it to the latest thread.
    static let nextThreadKey = "acp_next_thread"

    func newSession(_ params: JSONValue?, _ channel: RequestChannel) async throws -> JSONValue {
        if !settings.authMethods.isEmpty { throw ACPErrors.authRequired(settings.authMethods) }
        let cwd = try Self.cwd(params)
        // The servers first: a bad entry fails the request before anything is stored.
        let externalTools = try await startMCPServers(params, cwd: cwd)
        let assistant: Assistant
        let thread: ThreadObject
        do {
            assistant = try await chooseAssistant(cwd: cwd)
            thread = try await backend.createThread(try CreateThreadParams([
                "metadata": [Self.cwdKey: .string(String(cwd.prefix(512))), Self.assistantKey: .string(assistant.id)],
            ]))
        } catch {
            await externalTools.stop()
            throw error
        }
        try await register(Session(
            id: thread.id, threadID: thread.id, cwd: cwd, assistantID: assistant.id, assistantTools: assistant.tools.map { .object($0.raw) },
            externalTools: externalTools))
        announceCommands(session: thread.id, after: channel.id)
        return ["sessionId": .string(thread.id)]
    }

    func loadSession(_ params: JSONValue?, _ channel: RequestChannel) async throws -> JSONValue {
        if !settings.authMethods.isEmpty { throw ACPErrors.authRequired(settings.authMethods) }
        guard let id = params?["sessionId"]?.stringValue else { throw JSONRPCError.invalidParams("sessionId is required", path: "sessionId") }
        let cwd = try Self.cwd(params)
        if sessions.session(id) != nil {
            throw JSONRPCError(code: JSONRPCError.invalidRequestCode, message: "Invalid request: session \(id) is already open", data: ["sessionId": .string(id)])
        }
        var thread: ThreadObject
        do {
            thread = try await backend.retrieveThread(id: id)
            for _ in 0..<1000 {
                guard let next = thread.metadata[Self.nextThreadKey] else { break }
                thread = try await backend.retrieveThread(id: next)
            }
        } catch let error as APIError where error.kind == .notFound {
            throw JSONRPCError(
                code: JSONRPCError.invalidParamsCode, message: "Invalid params: unknown session id '\(id)'", data: ["sessionId": .string(id)])
        }
        let assistant: Assistant
        if let recorded = thread.metadata[Self.assistantKey], let found = try? await backend.retrieveAssistant(id: recorded) {
            assistant = found
        } else {
            assistant = try await chooseAssistant(cwd: cwd)
        }
        let session = Session(
            id: id, threadID: thread.id, cwd: cwd, assistantID: assistant.id, assistantTools: assistant.tools.map { .object($0.raw) },
            externalTools: try await startMCPServers(params, cwd: cwd))
        do {
            try await replay(thread: thread.id, session: id, channel)
        } catch {
            await session.externalTools.stop()
            throw error
        }
        try await register(session)
        announceCommands(session: id, after: channel.id)
        // An object, not null: typed clients read LoadSessionResponse as a struct.
        return .object([:])
    }

    /// The thread's messages, oldest first, as `user_message_chunk` / `agent_message_chunk`.
    private func replay(thread: String, session: String, _ channel: RequestChannel) async throws {
        var after: String?
        repeat {
            var params: JSONObject = ["thread_id": .string(thread), "order": "asc", "limit": 100]
            if let after { params["after"] = .string(after) }
            let page = try await backend.listMessages(try ListMessagesParams(.object(params)))
            for message in page.data where !message.text.isEmpty {
                let update = message.role == "user" ? SessionUpdate.userText(message.text) : SessionUpdate.agentText(message.text)
                try await channel.sendStreamNotification(method: SessionUpdate.method, params: SessionUpdate.params(session: session, update))
            }
            after = page.hasMore ? page.lastID : nil
        } while after != nil
    }

    private func register(_ session: Session) async throws {
        if let replaced = sessions.add(session) { await replaced.externalTools.stop() }
    }

    static func cwd(_ params: JSONValue?) throws -> String {
        guard let cwd = params?["cwd"]?.stringValue else { throw JSONRPCError.invalidParams("cwd is required (an absolute path)", path: "cwd") }
        guard cwd.hasPrefix("/") else { throw JSONRPCError.invalidParams("cwd must be an absolute path, not '\(cwd)'", path: "cwd") }
        return cwd
    }

    /// `--assistant`, else the project file's `assistant_id`, else one created from the flags,
    /// the project file and the defaults (in that order of precedence).
    func chooseAssistant(cwd: String) async throws -> Assistant {
        let project: ProjectConfiguration
        do {
            project = try ProjectConfiguration.load(directory: cwd)
        } catch {
            throw JSONRPCError.invalidParams(error.description, path: "cwd")
        }
        if let id = settings.assistantID ?? project.assistantID {
            return try await backend.retrieveAssistant(id: id)
        }
        return try await backend.createAssistant(try CreateAssistantParams([
            "model": .string(settings.assistantModel ?? project.model ?? AgentSettings.defaultModel),
            "instructions": .string(settings.instructions ?? project.instructions ?? AgentSettings.defaultInstructions),
            "name": .string(project.name ?? "assistd acp"),
            "metadata": [Self.cwdKey: .string(String(cwd.prefix(512)))],
        ]))
    }

    private func startMCPServers(_ params: JSONValue?, cwd: String) async throws -> SessionToolSet {
        let servers = params?["mcpServers"]?.arrayValue ?? []
        guard !servers.isEmpty, let launch = settings.launchMCPServers else { return .empty }
        return try await launch(servers, cwd)
    }
}
