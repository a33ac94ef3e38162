import JSONCore

/// How a `session/prompt`'s content blocks become the text of one user message: text as is;
/// resource links and embedded resources as quoted context that names their URI. Pure, so the
/// mapping is unit-tested on its own.
public enum PromptText {
    /// The message text, or a description of the first block that cannot be read.
    public static func message(from blocks: [JSONValue]) throws(PromptTextError) -> String {
        var parts: [String] = []
        for (index, block) in blocks.enumerated() {
            guard let type = block["type"]?.stringValue else {
                throw PromptTextError(path: "prompt[\(index)].type", problem: "is required")
            }
            switch type {
            case "text":
                guard let text = block["text"]?.stringValue else {
                    throw PromptTextError(path: "prompt[\(index)].text", problem: "must be a string")
                }
                parts.append(text)
            case "resource_link":
                guard let uri = block["uri"]?.stringValue else {
                    throw PromptTextError(path: "prompt[\(index)].uri", problem: "must be a string")
                }
                let name = block["title"]?.stringValue ?? block["name"]?.stringValue ?? uri
                var line = "Linked resource \"\(name)\": \(uri)"
                if let description = block["description"]?.stringValue { line += " (\(description))" }
                parts.append(line)
            case "resource":
                guard let resource = block["resource"], let uri = resource["uri"]?.stringValue else {
                    throw PromptTextError(path: "prompt[\(index)].resource.uri", problem: "must be a string")
                }
                if let text = resource["text"]?.stringValue {
                    parts.append("Context from \(uri):\n" + quoted(text))
                } else {
                    let mime = resource["mimeType"]?.stringValue ?? "binary data"
                    parts.append("Context from \(uri): (\(mime), not shown)")
                }
            case "image", "audio":
                // Not advertised in promptCapabilities; a client that sends one anyway gets a note, not a failure.
                let mime = block["mimeType"]?.stringValue ?? type
                parts.append("(\(type) attachment, \(mime), not shown)")
            default:
                throw PromptTextError(path: "prompt[\(index)].type", problem: "unknown content block type '\(type)'")
            }
        }
        let text = parts.joined(separator: "\n\n")
        if text.isEmpty { throw PromptTextError(path: "prompt", problem: "has no text") }
        return text
    }

    /// `text` in a fenced block whose fence is longer than any backtick run inside it.
    static func quoted(_ text: String) -> String {
        var longest = 0
        var run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return fence + "\n" + text + (text.hasSuffix("\n") ? "" : "\n") + fence
    }
}

public struct PromptTextError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path) \(problem)" }

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
}
