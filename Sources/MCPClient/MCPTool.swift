import JSONCore

/// One tool a server offers (an entry of `tools/list`).
public struct MCPTool: Sendable, Equatable {
    public var name: String
    public var title: String?
    public var description: String?
    /// A JSON Schema object for the arguments (`{"type": "object"}` when the server gave none).
    public var inputSchema: JSONValue

    public init(name: String, title: String? = nil, description: String? = nil, inputSchema: JSONValue = ["type": "object"]) {
        self.name = name
        self.title = title
        self.description = description
        self.inputSchema = inputSchema
    }

    /// Reads a `tools/list` entry; nil without a string `name`.
    init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, !name.isEmpty else { return nil }
        var schema: JSONValue = ["type": "object"]
        if case .object(let object)? = json["inputSchema"], object["type"] == nil || object["type"] == "object" {
            schema = .object(object)
        }
        self.init(name: name, title: json["title"]?.stringValue, description: json["description"]?.stringValue, inputSchema: schema)
    }
}

/// What a `tools/call` answered.
public struct MCPToolResult: Sendable, Equatable {
    /// The result as text for the model: the content blocks in order, one per line.
    public var text: String
    /// The tool reported a failure (`isError`), or the call did not complete (`MCPToolSet`).
    public var isError: Bool
    /// The result's content blocks as the server sent them (text, image, audio, resource_link,
    /// resource); ACP's content blocks have the same shapes, so they can be shown as they are.
    public var content: [JSONValue]

    public init(text: String, isError: Bool, content: [JSONValue] = []) {
        self.text = text
        self.isError = isError
        self.content = content
    }

    /// Reads a `tools/call` result: `content` blocks, or `structuredContent` when there are none;
    /// text past `maxTextBytes` is cut.
    init(json: JSONValue, maxTextBytes: Int = .max) {
        let blocks = json["content"]?.arrayValue ?? []
        var lines = blocks.map(Self.text(of:))
        if lines.isEmpty, let structured = json["structuredContent"] {
            lines = [structured.serializedString()]
        }
        let text = Self.cut(lines.joined(separator: "\n"), toBytes: maxTextBytes)
        self.init(text: text, isError: json["isError"]?.boolValue ?? false, content: blocks)
    }

    /// `text` in at most `limit` UTF-8 bytes (cut at a character boundary) plus a note of the rest.
    static func cut(_ text: String, toBytes limit: Int) -> String {
        let bytes = text.utf8.count
        guard bytes > limit else { return text }
        var end = text.startIndex
        var keptBytes = 0
        while end < text.endIndex {
            let next = text.index(after: end)
            let size = text[end..<next].utf8.count
            if keptBytes + size > limit { break }
            keptBytes += size
            end = next
        }
        return text[..<end] + "\n[… \(bytes - keptBytes) more bytes not shown]"
    }

    /// One content block as the model sees it: text as it is, what the model cannot read as a
    /// short note of what it was.
    static func text(of block: JSONValue) -> String {
        let type = block["type"]?.stringValue ?? ""
        switch type {
        case "text":
            return block["text"]?.stringValue ?? ""
        case "image", "audio":
            let mimeType = block["mimeType"]?.stringValue ?? "unknown type"
            let bytes = (block["data"]?.stringValue?.utf8.count ?? 0) * 3 / 4
            return "[\(type): \(mimeType), about \(bytes) bytes]"
        case "resource_link":
            let uri = block["uri"]?.stringValue ?? ""
            let name = block["name"]?.stringValue.map { " (\($0))" } ?? ""
            return "[resource link: \(uri)\(name)]"
        case "resource":
            let resource = block["resource"]
            if let text = resource?["text"]?.stringValue { return text }
            let uri = resource?["uri"]?.stringValue ?? ""
            let mimeType = resource?["mimeType"]?.stringValue.map { ", \($0)" } ?? ""
            return "[binary resource: \(uri)\(mimeType)]"
        default:
            return block.serializedString()
        }
    }
}

/// Who the server says it is (the `initialize` result).
public struct MCPServerInfo: Sendable, Equatable {
    public var name: String?
    public var version: String?
    /// The protocol version both sides speak.
    public var protocolVersion: String
    /// The server's usage hints, which a client may add to the model's instructions.
    public var instructions: String?
}
