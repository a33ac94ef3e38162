import Foundation
import HTTPStreaming
import JSONCore

extension OpenAIChatModel {
    /// Reads the streamed chunks of one completion: text deltas go out at once; tool-call
    /// fragments are merged by `index` and go out whole, with usage and the finish reason,
    /// when the stream ends.
    struct ChunkAccumulator {
        private struct PendingToolCall {
            var id = ""
            var name = ""
            var arguments = ""
        }

        private(set) var sawDone = false
        private(set) var finishReason: String?
        private var toolCalls: [Int: PendingToolCall] = [:]
        private var lastToolCallIndex: Int?
        /// The legacy `function_call` delta, used only when no `tool_calls` came.
        private var legacyFunctionCall: PendingToolCall?
        private var usage: (prompt: Int, completion: Int)?

        /// Whether the server said the turn is over (`[DONE]` or a `finish_reason`).
        var turnEnded: Bool { sawDone || finishReason != nil }

        /// Whether one `data:` line is a whole chunk: some servers leave out the blank line
        /// between events, so a `data:` line after a whole chunk starts the next event.
        static func isCompleteData(_ data: [UInt8]) -> Bool {
            data.elementsEqual("[DONE]".utf8) || (try? JSONValue.parse(data)) != nil
        }

        /// Reads one event of the stream; returns the text deltas it carried.
        mutating func consume(_ event: SSEEvent) throws(ChatModelError) -> [ChatEvent] {
            if event.data == Array("[DONE]".utf8) {
                sawDone = true
                return []
            }
            let chunk: JSONValue
            do {
                chunk = try JSONValue.parse(event.data)
            } catch {
                let excerpt = ErrorText.truncated(String(decoding: event.data, as: UTF8.self), limit: 200)
                throw ChatModelError(.server, "the model server sent a stream chunk that is not JSON (\(error)): \(excerpt)")
            }
            if let error = chunk["error"], !error.isNull {
                throw ErrorText.streamError(error)
            }
            if event.event == "error" {
                throw ErrorText.streamError(chunk)
            }
            if let usage = chunk["usage"], let prompt = usage["prompt_tokens"]?.intValue,
                let completion = usage["completion_tokens"]?.intValue
            {
                self.usage = (Int(prompt), Int(completion))
            }
            guard let choices = chunk["choices"]?.arrayValue,
                let choice = choices.first(where: { ($0["index"]?.intValue ?? 0) == 0 })
            else { return [] }
            if let reason = choice["finish_reason"]?.stringValue, !reason.isEmpty {
                finishReason = reason
            }
            guard let delta = choice["delta"] else { return [] }

            var events: [ChatEvent] = []
            if let text = delta["content"]?.stringValue, !text.isEmpty { events.append(.text(text)) }
            if let refusal = delta["refusal"]?.stringValue, !refusal.isEmpty { events.append(.text(refusal)) }
            if let calls = delta["tool_calls"], !calls.isNull {
                guard let fragments = calls.arrayValue else {
                    throw ChatModelError(
                        .server, "the model server sent a malformed stream chunk: its tool_calls is \(calls.typeName), not an array")
                }
                for fragment in fragments { merge(toolCallFragment: fragment) }
            }
            if let legacy = delta["function_call"], legacy.objectValue != nil {
                var call = legacyFunctionCall ?? PendingToolCall()
                Self.merge(function: legacy, into: &call)
                legacyFunctionCall = call
            }
            return events
        }

        /// The events that close the turn: each merged tool call (by index), usage, finish.
        func closingEvents() throws(ChatModelError) -> [ChatEvent] {
            var events: [ChatEvent] = []
            var calls = toolCalls.sorted { $0.key < $1.key }.map(\.value)
            if calls.isEmpty, let legacy = legacyFunctionCall, !legacy.name.isEmpty { calls = [legacy] }
            for (position, call) in calls.enumerated() {
                guard !call.name.isEmpty else {
                    throw ChatModelError(.server, "the model server streamed a tool call without a function name (call \(position + 1) of \(calls.count))")
                }
                // A client could not act on arguments it cannot parse: the turn fails, clearly.
                if !call.arguments.isEmpty, (try? JSONValue.parse(Array(call.arguments.utf8))) == nil {
                    throw ChatModelError(
                        .server,
                        "the model server's call of \(call.name) has arguments that are not JSON: \(ErrorText.truncated(call.arguments, limit: 200))")
                }
                events.append(
                    .toolCall(
                        ChatToolCall(
                            id: call.id.isEmpty ? Self.mintCallID() : call.id, name: call.name,
                            arguments: call.arguments.isEmpty ? "{}" : call.arguments)))
            }
            if let usage { events.append(.usage(promptTokens: usage.prompt, completionTokens: usage.completion)) }
            events.append(.finish(Self.finish(reason: finishReason, hasToolCalls: !calls.isEmpty)))
            return events
        }

        /// Backends disagree on `finish_reason` when tools were called (llama.cpp and others say
        /// `stop`), so accumulated tool calls decide, unless the output was cut off.
        static func finish(reason: String?, hasToolCalls: Bool) -> FinishReason {
            switch reason {
            case "length": return .length
            case "content_filter": return .contentFilter
            default: return hasToolCalls ? .toolCalls : .stop
            }
        }

        private mutating func merge(toolCallFragment fragment: JSONValue) {
            let id = fragment["id"]?.stringValue ?? ""
            let index: Int
            if let given = fragment["index"]?.intValue {
                index = Int(given)
            } else if !id.isEmpty, let known = toolCalls.first(where: { $0.value.id == id })?.key {
                index = known
            } else if !id.isEmpty {
                index = (toolCalls.keys.max() ?? -1) + 1
            } else {
                index = lastToolCallIndex ?? 0
            }
            lastToolCallIndex = index
            var call = toolCalls[index] ?? PendingToolCall()
            // llama.cpp's server repeats id, type and name in every fragment: keep the first.
            if call.id.isEmpty, !id.isEmpty { call.id = id }
            if let function = fragment["function"] { Self.merge(function: function, into: &call) }
            toolCalls[index] = call
        }

        private static func merge(function: JSONValue, into call: inout PendingToolCall) {
            if let name = function["name"]?.stringValue, !name.isEmpty, name != call.name {
                call.name += name
            }
            switch function["arguments"] {
            case .string(let fragment)?:
                call.arguments += fragment
            case .object?:
                // A few servers send the arguments as an object instead of JSON text.
                call.arguments = function["arguments"]!.serializedString()
            default:
                break
            }
        }

        static func mintCallID() -> String {
            "call_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        }
    }
}
