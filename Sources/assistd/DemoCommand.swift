import AssistdClient
import Bridge
import Foundation
import JSONCore
import JSONRPC

/// `assistd demo [flags]`: the quick start's function-call flow through the real protocol. It
/// starts `assistd --stdio` (this executable, with the same flags) as a child, creates an
/// assistant with the `big_add` function tool, a thread and a message, streams a run with
/// `handle_tools` (answering `tools/call` for big_add itself), prints the reply as it arrives
/// and a one-line summary of the run's steps and usage, then cleans up and shuts the child down.
enum DemoCommand {
    static let question = "Add 87787 to 788988737 with big_add."

    /// The function tool of the service's function-calling guide.
    static let bigAddTool: JSONValue = [
        "type": "function",
        "function": [
            "name": "big_add",
            "description": "Add to number",
            "parameters": [
                "type": "object",
                "properties": [
                    "left": ["type": "integer", "description": "The left operator"],
                    "right": ["type": "integer", "description": "The right operator."],
                ],
                "required": ["left", "right"],
            ],
        ],
    ]

    static func run(_ arguments: [String]) -> Never {
        let options: CommandLineOptions
        do {
            options = try CommandLineFlags.parse(arguments)
        } catch {
            CommandLineFlags.exitWithUsageError(command: "demo", error.message)
        }
        CommandLineFlags.exitIfHelpOrVersion(options)
        StandardOutputGuard.ignoreSIGPIPE()
        // The child gets the demo's flags; its routine logs stay quiet unless asked for.
        var childArguments = ["--stdio"] + arguments + ["--framing", "lsp"]
        if options.logLevel == nil { childArguments += ["--log-level", "warning"] }
        let child: ChildAssistd
        do {
            child = try ChildAssistd(arguments: childArguments)
        } catch {
            Output.err("assistd demo: cannot start assistd: \(error)\n")
            exit(1)
        }
        let client = ProtocolClient(
            input: child.output, output: child.input, framing: .lsp, logger: Server.makeLogger(options, defaultLevel: .warning),
            onEvent: printEvent, onToolCall: answerToolCall)
        client.start()
        Task {
            var code = await play(client)
            client.notify("exit")
            // Written out before the child's stdin is closed under the writer.
            client.connection.close(deadline: .now() + .seconds(2))
            let childStatus = child.finish()
            if childStatus != 0 {
                Output.err("assistd demo: the assistd child exited with status \(childStatus)\n")
                code = code == 0 ? 1 : code
            }
            exit(code)
        }
        dispatchMain()
    }

    /// The conversation; returns the exit code. Always ends with `shutdown`.
    static func play(_ client: ProtocolClient) async -> Int32 {
        do {
            let info = try await client.initialize(clientName: "assistd demo", clientVersion: AssistdVersion.current)
            let backend = info["backend"]
            let backendName = backend?["name"]?.stringValue ?? "unknown"
            let model = backend?["model"]?.stringValue
            if backend?["model_available"]?.boolValue == false {
                Output.err(unavailableModelHint(backend?["model_problem"]?.stringValue ?? model ?? "no reason given"))
                _ = try? await client.request("shutdown", nil)
                return 1
            }
            Output.out("assistd demo: \(backendName) backend" + (model.map { ", model \($0)" } ?? "") + "\n")
            let code = try await converse(client)
            _ = try await client.request("shutdown", nil)
            return code
        } catch {
            Output.err("\nassistd demo: \(describe(error))\n")
            _ = try? await client.request("shutdown", nil)
            return 1
        }
    }

    /// For a backend that reports `model_available: false` in `initialize`'s answer.
    static func unavailableModelHint(_ problem: String) -> String {
        """
            assistd demo: the local backend has no chat model: \(problem)
            Install the embedded model (Qwen2.5-Coder-0.5B-Instruct, runs offline):
                \(EmbeddedModelLoader.installHint)
            or point the demo at an OpenAI-compatible server:
                assistd demo --model-url http://127.0.0.1:11434/v1
            or use the hosted service:
                DASHSCOPE_API_KEY=sk-… assistd demo

            """
    }

    static func converse(_ client: ProtocolClient) async throws -> Int32 {
        let assistant = try await client.request("assistants/create", [
            "model": "qwen-max", "name": "smart helper", "description": "A tool helper.",
            "instructions": "You are a helpful assistant. When asked a question, use tools wherever possible.",
            "tools": [bigAddTool],
        ])
        let assistantID = try id(of: assistant)
        let thread = try await client.request("threads/create", [:])
        let threadID = try id(of: thread)
        _ = try await client.request("messages/create", ["thread_id": .string(threadID), "role": "user", "content": .string(question)])
        Output.out("you> \(question)\nassistant> ")
        let run = try await client.request("runs/create", [
            "thread_id": .string(threadID), "assistant_id": .string(assistantID), "stream": true, "handle_tools": true,
        ])
        Output.out("\n")
        let runID = try id(of: run)
        let steps = try await client.request("steps/list", ["thread_id": .string(threadID), "run_id": .string(runID), "order": "asc"])
        Output.out(summary(run: run, steps: steps["data"]?.arrayValue ?? []) + "\n")
        // Leave nothing behind in the data dir (or the hosted account).
        _ = try? await client.request("threads/delete", ["thread_id": .string(threadID)])
        _ = try? await client.request("assistants/delete", ["assistant_id": .string(assistantID)])
        guard RunOutcome.succeeded(run, handledTools: true) else {
            Output.err("assistd demo: \(RunOutcome.failureLine(run))\n")
            return 1
        }
        return 0
    }

    /// `summary: run run_… completed in 2 steps (tool_calls, message_creation); usage: 31 prompt + 9 completion = 40 tokens`
    static func summary(run: JSONValue, steps: [JSONValue]) -> String {
        let kinds = steps.map { $0["type"]?.stringValue ?? "?" }
        var line = "summary: run \(run["id"]?.stringValue ?? "?") \(run["status"]?.stringValue ?? "?")"
        line += " in \(kinds.count) step\(kinds.count == 1 ? "" : "s") (\(kinds.joined(separator: ", ")))"
        if let usage = run["usage"], !usage.isNull {
            let prompt = (usage["prompt_tokens"] ?? usage["input_tokens"])?.intValue ?? 0
            let completion = (usage["completion_tokens"] ?? usage["output_tokens"])?.intValue ?? 0
            let total = usage["total_tokens"]?.intValue ?? prompt + completion
            line += "; usage: \(prompt) prompt + \(completion) completion = \(total) tokens"
        } else {
            line += "; usage: not reported"
        }
        return line
    }

    // MARK: The stream and the tool

    /// Prints the reply's text as it arrives (and a stream `error`, should one come).
    @Sendable static func printEvent(_ params: JSONValue) {
        switch params["event"]?.stringValue {
        case "thread.message.delta":
            let parts = params["data"]?["delta"]?["content"]?.arrayValue ?? []
            let text = parts.compactMap { $0["text"]?["value"]?.stringValue }.joined()
            if !text.isEmpty { Output.out(text) }
        case "error":
            Output.err("\n[stream error] \(params["data"].map(JSONPrinter.compact) ?? "")\n")
        default:
            break
        }
    }

    /// `tools/call` for big_add: `{"output": "<the exact sum>"}`; any other tool is refused with an error answer.
    @Sendable static func answerToolCall(_ params: JSONValue) async throws -> JSONValue {
        let function = params["tool_call"]?["function"]
        let name = function?["name"]?.stringValue ?? "?"
        guard name == "big_add" else {
            throw JSONRPCError(code: JSONRPCError.methodNotFoundCode, message: "the demo has no tool named \(name)")
        }
        let argumentsText = function?["arguments"]?.stringValue ?? "{}"
        guard let arguments = try? JSONValue.parse(Array(argumentsText.utf8)),
            let left = integer(arguments["left"]), let right = integer(arguments["right"])
        else {
            throw JSONRPCError.invalidParams("big_add needs integers left and right, got \(argumentsText)", path: "tool_call.function.arguments")
        }
        let sum = left + right
        Output.out("[big_add(\(left), \(right)) = \(sum)] ")
        return ["output": .string(sum.description)]
    }

    static func integer(_ value: JSONValue?) -> DecimalInteger? {
        switch value {
        case .int(let number)?: return DecimalInteger(String(number))
        case .string(let text)?: return DecimalInteger(text)
        case .double(let number)? where number.rounded() == number && abs(number) < 1e15: return DecimalInteger(String(Int64(number)))
        default: return nil
        }
    }

    static func id(of object: JSONValue) throws -> String {
        guard let id = object["id"]?.stringValue else {
            throw JSONRPCError.internalError("the answer has no id: \(JSONPrinter.compact(object))")
        }
        return id
    }

    static func describe(_ error: any Error) -> String {
        if let rpc = error as? JSONRPCError { return "\(rpc.message) (error \(rpc.code)\(rpc.data.map { ", data \(JSONPrinter.compact($0))" } ?? ""))" }
        return "\(error)"
    }
}
