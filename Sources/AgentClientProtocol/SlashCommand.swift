import JSONCore

/// The commands a session offers (`available_commands_update`); a prompt whose text starts with
/// `/NAME` runs the command instead of the assistant.
public struct SlashCommand: Sendable, Equatable {
    public let name: String
    public let description: String
    public let hint: String?

    public static let all = [
        SlashCommand(name: "new", description: "Start a fresh thread: the assistant forgets this conversation", hint: nil),
        SlashCommand(name: "usage", description: "Show the tokens the last run and this session used", hint: nil),
    ]

    var json: JSONValue {
        var object: JSONObject = ["name": .string(name), "description": .string(description)]
        if let hint { object["input"] = ["hint": .string(hint)] }
        return .object(object)
    }

    /// The command a prompt's text invokes, if it is one of ours (`/new`, `/usage ...`).
    public static func invoked(by text: String) -> SlashCommand? {
        let trimmed = text.drop { $0 == " " || $0 == "\n" }
        guard trimmed.hasPrefix("/") else { return nil }
        let word = trimmed.dropFirst().prefix { !$0.isWhitespace }
        return all.first { $0.name == word }
    }
}
