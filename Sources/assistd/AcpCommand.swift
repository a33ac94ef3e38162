import AgentClientProtocol
import AssistantAPI
import AssistdSupport
import Bridge
import DashScope
import Foundation
import JSONRPC
import MCPClient

/// `assistd acp [flags]`: the Agent Client Protocol on stdin/stdout (NDJSON), over the backend
/// the same flags as `--stdio` choose (`BackendFactory`). protocol/acp.md is the mapping.
enum AcpCommand {
    static func run(_ arguments: [String]) -> Never {
        let options: CommandLineOptions
        do throws(UsageError) {
            let (parsed, positionals) = try CommandLineFlags.parse(arguments, flags: CommandLineFlags.all + CommandLineFlags.acpOnly)
            if let first = positionals.first { throw UsageError(message: "unexpected argument '\(first)'") }
            options = parsed
        } catch {
            CommandLineFlags.exitWithUsageError(command: "acp", error.message)
        }
        CommandLineFlags.exitIfHelpOrVersion(options)
        StandardOutputGuard.ignoreSIGPIPE()
        let protocolOutput: Int32
        do {
            protocolOutput = try StandardOutputGuard.takeProtocolOutput()
        } catch {
            Server.fail("cannot set up stdout: \(error)")
        }
        let logger = Server.makeLogger(options)
        var trace: MessageTrace?
        if let path = options.tracePath {
            do {
                trace = try MessageTrace(path: path, redact: SecretRedaction.redact)
            } catch {
                Server.fail("\(error)")
            }
        }
        let factory = BackendFactory(options: options, environment: ProcessInfo.processInfo.environment, logger: logger)
        let backend: any AssistantBackend
        do {
            backend = try factory.makeBackend()
        } catch let error as UsageError {
            Server.fail(error.message)
        } catch {
            Server.fail("cannot start the \(factory.backendName) backend: \(error)")
        }
        let connection = Connection(
            input: STDIN_FILENO, output: protocolOutput,
            options: ConnectionOptions(
                framing: .ndjson, maxMessageBytes: options.maxMessageBytes, logger: logger, trace: trace,
                stalledPeerLimit: .seconds(options.stalledClientTimeoutSeconds), cancellationNotice: ACPAgent.cancellationNotice))
        let agent = ACPAgent(backend: backend, settings: settings(options, backend: backend, logger: logger), connection: connection, logger: logger)
        let exit = ProcessExit(connection: connection, logger: logger, grace: Server.exitGrace)
        exit.stopsOnExit(BackendSlot(backend))
        logger.info("assistd \(AssistdVersion.current) serving ACP on stdio: " + BackendSummary.describe(backend.info))
        connection.start(dispatcher: agent) {
            logger.info("stdin closed")
            Task {
                await agent.stopSessions()
                exit.now(code: 0)
            }
        }
        MainThreadPark.forever()
    }

    static func settings(_ options: CommandLineOptions, backend: any AssistantBackend, logger: Logger) -> AgentSettings {
        var settings = AgentSettings(version: AssistdVersion.current)
        settings.assistantID = options.acpAssistantID
        settings.assistantModel = options.acpAssistantModel
        settings.instructions = options.acpInstructions
        settings.toolCallTimeout = .seconds(options.toolCallTimeoutSeconds)
        settings.launchMCPServers = MCPServers.launcher(
            options: MCPClientOptions(toolCallTimeout: .seconds(options.toolCallTimeoutSeconds), clientVersion: AssistdVersion.current),
            logger: logger)
        if let hosted = backend as? DashScopeBackend, hosted.configuration.apiKey.isEmpty {
            settings.authMethods = [[
                "id": "dashscope-api-key", "name": "DashScope API key",
                "description": "Set DASHSCOPE_API_KEY (or DASHSCOPE_API_KEY_FILE_PATH, or pass --api-key-file FILE) in the agent server's environment and restart it.",
            ]]
        }
        return settings
    }
}
