import AssistantAPI
import AssistdSupport
import AssistdClient
import Bridge
import Foundation
import JSONCore
import JSONRPC

/// `assistd call METHOD [JSON|-] [flags]`: one request, served in this process by the same
/// bridge and `Connection` code as `assistd --stdio`, joined to a client `Connection` by two
/// pipes: initialize → METHOD → shutdown. The result goes to stdout (a run as it stands once it
/// settled); exit 0, or 1 with the error object on stderr, or 1 when a run did not end as asked
/// (`RunOutcome`), or 2 for usage errors.
enum CallCommand {
    static let errorExitCode: Int32 = 1

    struct Invocation {
        var options: CommandLineOptions
        var method: String
        var params: JSONValue?
    }

    static func run(_ arguments: [String]) -> Never {
        let invocation: Invocation
        do {
            invocation = try parse(arguments, readStdin: { FileHandle.standardInput.readDataToEndOfFile() })
        } catch {
            usageFailure(error.message)
        }
        CommandLineFlags.exitIfHelpOrVersion(invocation.options)
        StandardOutputGuard.ignoreSIGPIPE()
        let logger = Server.makeLogger(invocation.options, defaultLevel: .warning)
        let client: ProtocolClient
        do {
            client = try startInProcessServer(invocation.options, logger: logger)
        } catch let error as UsageError {
            usageFailure(error.message)
        } catch {
            Output.err("assistd: \(error)\n")
            exit(errorExitCode)
        }
        Task {
            let code = await perform(invocation, client: client)
            logger.flush()
            exit(code)
        }
        dispatchMain()
    }

    static func parse(_ arguments: [String], readStdin: () -> Data) throws(UsageError) -> Invocation {
        let (options, positionals) = try CommandLineFlags.parse(arguments, flags: CommandLineFlags.all + CommandLineFlags.callOnly)
        if options.action != .serve { return Invocation(options: options, method: "", params: nil) }
        guard let method = positionals.first else {
            throw UsageError(message: "call needs a METHOD, e.g. assistd call assistants/list '{\"limit\": 5}'")
        }
        guard positionals.count <= 2 else {
            throw UsageError(message: "call takes METHOD and one JSON params argument; unexpected '\(positionals[2])'")
        }
        var params: JSONValue?
        if positionals.count == 2 {
            let text = positionals[1]
            let bytes = text == "-" ? [UInt8](readStdin()) : Array(text.utf8)
            let source = text == "-" ? "the params on stdin" : "the params argument"
            do {
                params = try JSONValue.parse(bytes)
            } catch {
                throw UsageError(message: "\(source) is not JSON: \(error.message) at byte \(error.offset)")
            }
        }
        return Invocation(options: options, method: method, params: params)
    }

    /// The bridge on one end of a pipe pair, a client on the other.
    static func startInProcessServer(_ options: CommandLineOptions, logger: Logger) throws -> ProtocolClient {
        var trace: MessageTrace?
        if let path = options.tracePath { trace = try MessageTrace(path: path, redact: SecretRedaction.redact) }
        let bridge = try ServerAssembly.makeBridge(options: options, logger: logger) { _ in }
        let toServer = try makePipe()
        let toClient = try makePipe()
        let serverConnection = Connection(
            input: toServer.read, output: toClient.write,
            options: ConnectionOptions(framing: options.framing, maxMessageBytes: options.maxMessageBytes, logger: logger, trace: trace))
        serverConnection.start(dispatcher: bridge) {}
        let client = ProtocolClient(
            input: toClient.read, output: toServer.write, framing: options.framing.fixedMode ?? .lsp, logger: logger,
            onEvent: { params in Output.out(JSONPrinter.eventLine(params) + "\n") })
        client.start()
        return client
    }

    /// initialize → the method → shutdown; returns the exit code (`RunOutcome`'s rule).
    static func perform(_ invocation: Invocation, client: ProtocolClient) async -> Int32 {
        do {
            _ = try await client.initialize(clientName: "assistd call", clientVersion: AssistdVersion.current)
            var result: JSONValue
            do {
                result = try await client.request(invocation.method, invocation.params)
                result = try await runAsItSettles(invocation.method, result: result, client: client)
            } catch {
                _ = try? await client.request("shutdown", nil)
                throw error
            }
            if invocation.method != "shutdown" { _ = try await client.request("shutdown", nil) }
            let text = invocation.options.compactOutput ? JSONPrinter.compact(result) : JSONPrinter.indented(result)
            Output.out(text + "\n")
            if runResultMethods.contains(invocation.method) {
                let handledTools = invocation.params?["handle_tools"]?.boolValue == true
                guard RunOutcome.succeeded(result, handledTools: handledTools) else {
                    Output.err("assistd call: \(RunOutcome.failureLine(result))\n")
                    return errorExitCode
                }
            }
            return 0
        } catch let error as JSONRPCError {
            Output.err(JSONPrinter.compact(error.json) + "\n")
            return errorExitCode
        } catch {
            Output.err("assistd: \(invocation.method) failed: \(error)\n")
            return errorExitCode
        }
    }

    static let runStartingMethods: Set<String> = ["runs/create", "runs/createThreadAndRun", "runs/submitToolOutputs"]
    /// The methods whose result is a run that was to end: the exit code says how it ended.
    static let runResultMethods: Set<String> = runStartingMethods.union(["runs/wait"])

    /// A run started without `stream` is answered as created (`queued` or `in_progress`). `call`
    /// waits until it settles (terminal or `requires_action`) and returns it as it then stands,
    /// so what is printed and the exit code tell how the run went. (On the local backend the
    /// run also lives in this process: leaving earlier would kill it.)
    static func runAsItSettles(_ method: String, result: JSONValue, client: ProtocolClient) async throws -> JSONValue {
        guard runStartingMethods.contains(method),
            let runID = result["id"]?.stringValue, let threadID = result["thread_id"]?.stringValue,
            let status = result["status"]?.stringValue, !RunOutcome.settledStatuses.contains(status)
        else { return result }
        return try await client.request("runs/wait", ["thread_id": .string(threadID), "run_id": .string(runID)])
    }

    static func usageFailure(_ message: String) -> Never {
        CommandLineFlags.exitWithUsageError(command: "call", message)
    }

    static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ServerAssembly.StartError(message: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        return (fds[0], fds[1])
    }
}
