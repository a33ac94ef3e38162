/// Qwen2.5's chat format, as its GGUF's `tokenizer.chat_template` renders it: ChatML,
/// tools listed as JSON inside `<tools></tools>` in the system turn, calls written as
/// `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>`, tool results as
/// `<tool_response>` blocks in a user turn.
///
/// The template's text is rendered as pieces: its own scaffolding (where special-token
/// texts such as `<tool_call>` become their ids, as llama.cpp tokenizes a rendered
/// template) and message content (always plain text, so a message cannot forge a turn).
struct QwenChatPrompt {
    static let defaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    static let toolsHeader = "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>"
    static let toolsFooter = "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"

    /// The texts that are single special tokens inside the template's scaffolding.
    static let specialTexts = ["<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"]

    let tokenizer: BPETokenizer
    let imEnd: Int32
    let toolCallStart: Int32
    let toolCallEnd: Int32
    private let specials: [(text: [UInt8], id: Int32)]
    /// Tokens that open a JSON object (`{`, `{"`, ` {`…): how this model begins a call it writes bare.
    let objectStarts: [Int32]
    /// The "```" token, and tokens that begin with "json" (a fence's language).
    let fence: Int32?
    let jsonWords: [Int32]

    /// Nil when the file's template is not Qwen's tool format or its vocabulary lacks the tokens.
    init?(tokenizer: BPETokenizer, chatTemplate: String?) {
        guard let template = chatTemplate, template.contains("<tools>"), template.contains("<tool_call>"),
              template.contains("<tool_response>") else { return nil }
        var specials: [(text: [UInt8], id: Int32)] = []
        for text in Self.specialTexts {
            guard let id = tokenizer.id(of: text) else { return nil }
            specials.append((Array(text.utf8), id))
        }
        self.tokenizer = tokenizer
        self.specials = specials
        imEnd = specials[1].id
        toolCallStart = specials[2].id
        toolCallEnd = specials[3].id
        var objectStarts: [Int32] = [], jsonWords: [Int32] = []
        for (i, bytes) in tokenizer.tokenBytes.enumerated() where tokenizer.kinds[i] == .normal {
            if bytes.drop(while: { $0 == 0x20 || $0 == 0x0A }).first == UInt8(ascii: "{") { objectStarts.append(Int32(i)) }
            if bytes.starts(with: Array("json".utf8)) { jsonWords.append(Int32(i)) }
        }
        self.objectStarts = objectStarts
        self.jsonWords = jsonWords
        fence = tokenizer.id(of: "```")
    }

    enum Piece: Equatable {
        case scaffold(String)
        case content(String)
    }

    /// A tool as the template's `tool | tojson` writes it for llama.cpp, which always
    /// passes a description (empty when the tool has none).
    static func toolJSON(_ tool: ToolSpec) -> String {
        let parameters = (try? JSONText.parse(tool.parametersJSON).pythonStyle()) ?? tool.parametersJSON
        return "{\"type\": \"function\", \"function\": {\"name\": " + JSONText.quote(tool.name)
            + ", \"description\": " + JSONText.quote(tool.description) + ", \"parameters\": " + parameters + "}}"
    }

    /// A call as the template writes it inside `<tool_call>` (arguments as `tojson` of the object).
    static func callJSON(name: String, argumentsJSON: String) -> String {
        let arguments = (try? JSONText.parse(argumentsJSON).pythonStyle()) ?? argumentsJSON
        return "{\"name\": \"" + name + "\", \"arguments\": " + arguments + "}"
    }

    /// The template's output for the conversation, with `add_generation_prompt`.
    static func pieces(turns: [ChatTurn], tools: [ToolSpec]) throws -> [Piece] {
        var out: [Piece] = []
        let system = turns.first.flatMap { $0.role == "system" ? $0.content : nil }
        if !tools.isEmpty {
            out.append(.scaffold("<|im_start|>system\n"))
            if let system { out.append(.content(system)) } else { out.append(.scaffold(defaultSystemPrompt)) }
            out.append(.scaffold(toolsHeader))
            for tool in tools { out.append(.scaffold("\n")); out.append(.content(toolJSON(tool))) }
            out.append(.scaffold(toolsFooter))
        } else if let system {
            out += [.scaffold("<|im_start|>system\n"), .content(system), .scaffold("<|im_end|>\n")]
        } else {
            out.append(.scaffold("<|im_start|>system\n" + defaultSystemPrompt + "<|im_end|>\n"))
        }
        for (index, turn) in turns.enumerated() {
            let calls = turn.toolCalls ?? []
            switch turn.role {
            case "system" where index == 0:
                continue
            case "user", "system":
                out += [.scaffold("<|im_start|>" + turn.role + "\n"), .content(turn.content), .scaffold("<|im_end|>\n")]
            case "assistant" where calls.isEmpty:
                out += [.scaffold("<|im_start|>assistant\n"), .content(turn.content), .scaffold("<|im_end|>\n")]
            case "assistant":
                out.append(.scaffold("<|im_start|>assistant"))
                if !turn.content.isEmpty { out += [.scaffold("\n"), .content(turn.content)] }
                for call in calls {
                    out += [.scaffold("\n<tool_call>\n"), .content(callJSON(name: call.name, argumentsJSON: call.argumentsJSON)),
                            .scaffold("\n</tool_call>")]
                }
                out.append(.scaffold("<|im_end|>\n"))
            case "tool":
                if index == 0 || turns[index - 1].role != "tool" { out.append(.scaffold("<|im_start|>user")) }
                out += [.scaffold("\n<tool_response>\n"), .content(turn.content), .scaffold("\n</tool_response>")]
                if index == turns.count - 1 || turns[index + 1].role != "tool" { out.append(.scaffold("<|im_end|>\n")) }
            default:
                throw InferenceError.invalidRequest("unknown chat role '\(turn.role)' (expected system, user, assistant or tool)")
            }
        }
        out.append(.scaffold("<|im_start|>assistant\n"))
        return out
    }

    static func text(_ pieces: [Piece]) -> String {
        pieces.map { switch $0 { case let .scaffold(s), let .content(s): s } }.joined()
    }

    /// Token ids of the prompt: special texts in the scaffolding become their ids; the text
    /// between two special tokens is encoded in one piece, as llama.cpp does.
    func tokens(turns: [ChatTurn], tools: [ToolSpec]) throws -> [Int32] {
        var out: [Int32] = []
        var run: [UInt8] = []
        func flush() {
            if !run.isEmpty { out += tokenizer.encode(String(decoding: run, as: UTF8.self)); run = [] }
        }
        for piece in try Self.pieces(turns: turns, tools: tools) {
            switch piece {
            case let .content(text):
                run += text.utf8
            case let .scaffold(text):
                let bytes = Array(text.utf8)
                var i = 0
                scan: while i < bytes.count {
                    for special in specials where bytes[i...].starts(with: special.text) {
                        flush()
                        out.append(special.id)
                        i += special.text.count
                        continue scan
                    }
                    run.append(bytes[i])
                    i += 1
                }
            }
        }
        flush()
        return out
    }
}
