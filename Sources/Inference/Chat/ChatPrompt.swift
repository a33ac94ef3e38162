/// Renders a conversation as ChatML token ids. Special tokens are inserted by id
/// and message text is encoded as plain text, so a message that contains
/// "<|im_end|>" cannot forge a turn boundary.
///
/// With tools, the first system message lists them in the format of
/// llama-cpp-python's `chatml-function-calling`, and assistant replies are
/// written as `message:\n…` or `functions.<name>:\n{…}`.
struct ChatPrompt {
    static let defaultSystemPrompt = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    let tokenizer: BPETokenizer
    let imStart: Int32
    let imEnd: Int32

    init(tokenizer: BPETokenizer) throws {
        guard let s = tokenizer.id(of: "<|im_start|>"), let e = tokenizer.id(of: "<|im_end|>") else {
            throw GGUFError.unsupportedModel("the vocabulary has no ChatML tokens <|im_start|>/<|im_end|>")
        }
        self.tokenizer = tokenizer
        imStart = s
        imEnd = e
    }

    static func toolsBlock(_ tools: [ToolSpec]) -> String {
        var s = "\n\nYou have access to the following functions:\n"
        for t in tools {
            s += "\nfunctions.\(t.name):\n"
            if !t.description.isEmpty { s += "// \(t.description)\n" }
            s += compactSchema(t.parametersJSON) + "\n"
        }
        s += "\n\nYou can respond to users messages with either a single message or one or more function calls."
        s += "\n\nTo respond with a message begin the message with 'message:', use the following format:"
        s += "\n\nmessage:\n<message>"
        s += "\n\nTo respond with one or more function calls begin the message with 'functions.<function_name>:', use the following format:"
        s += "\n\nfunctions.<function_name>:\n{ \"arg1\": \"value1\", \"arg2\": \"value2\" }"
        s += "\nfunctions.<function_name>:\n{ \"arg1\": \"value1\", \"arg2\": \"value2\" }"
        return s
    }

    private static func compactSchema(_ json: String) -> String {
        (try? JSONText.parse(json).serialized()) ?? json
    }

    static func renderCalls(_ calls: [GeneratedToolCall]) -> String {
        calls.map { "functions.\($0.name):\n\($0.argumentsJSON)" }.joined(separator: "\n")
    }

    /// Token ids of the whole prompt, ending with the assistant header.
    func tokens(turns: [ChatTurn], tools: [ToolSpec]) throws -> [Int32] {
        var out: [Int32] = []
        func message(_ role: String, _ text: String) {
            out.append(imStart)
            out += tokenizer.encode(role + "\n" + text)
            out.append(imEnd)
            out += tokenizer.encode("\n")
        }
        let toolsActive = !tools.isEmpty
        var rest = turns[...]
        if let first = turns.first, first.role == "system" {
            message("system", first.content + (toolsActive ? Self.toolsBlock(tools) : ""))
            rest = turns.dropFirst()
        } else {
            message("system", Self.defaultSystemPrompt + (toolsActive ? Self.toolsBlock(tools) : ""))
        }
        for turn in rest {
            switch turn.role {
            case "system", "user":
                message(turn.role, turn.content)
            case "assistant":
                var parts: [String] = []
                if !turn.content.isEmpty { parts.append(toolsActive ? "message:\n" + turn.content : turn.content) }
                if let calls = turn.toolCalls, !calls.isEmpty { parts.append(Self.renderCalls(calls)) }
                message("assistant", parts.joined(separator: "\n"))
            case "tool":
                message("tool", turn.content)
            default:
                throw InferenceError.invalidRequest("unknown chat role '\(turn.role)' (expected system, user, assistant or tool)")
            }
        }
        out.append(imStart)
        out += tokenizer.encode("assistant\n")
        return out
    }
}
