import Foundation
import JSONCore

/// `.assistd/acp.json` in a session's project directory: which assistant answers there.
///
///     {"assistant_id": "asst_…"}                      an existing assistant, or
///     {"model": "qwen-max", "instructions": "…", "name": "…"}   one created for each new session
///
/// Every field is optional; flags given to `assistd acp` win over the file.
public struct ProjectConfiguration: Sendable, Equatable {
    public static let relativePath = ".assistd/acp.json"

    public var assistantID: String?
    public var model: String?
    public var instructions: String?
    public var name: String?

    public init(assistantID: String? = nil, model: String? = nil, instructions: String? = nil, name: String? = nil) {
        self.assistantID = assistantID
        self.model = model
        self.instructions = instructions
        self.name = name
    }

    /// The file in `directory`, or an empty configuration when there is none; a file that is
    /// not such an object is an error that names it.
    public static func load(directory: String) throws(ProjectConfigurationError) -> ProjectConfiguration {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(relativePath).path
        guard let data = FileManager.default.contents(atPath: path) else { return ProjectConfiguration() }
        return try parse(Array(data), path: path)
    }

    public static func parse(_ bytes: [UInt8], path: String) throws(ProjectConfigurationError) -> ProjectConfiguration {
        guard let value = try? JSONValue.parse(bytes), case .object(let object) = value else {
            throw ProjectConfigurationError(path: path, problem: "is not a JSON object")
        }
        func string(_ key: String) throws(ProjectConfigurationError) -> String? {
            guard let field = object[key] else { return nil }
            guard let text = field.stringValue, !text.isEmpty else {
                throw ProjectConfigurationError(path: path, problem: "'\(key)' must be a non-empty string")
            }
            return text
        }
        return ProjectConfiguration(
            assistantID: try string("assistant_id"), model: try string("model"), instructions: try string("instructions"),
            name: try string("name"))
    }
}

public struct ProjectConfigurationError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
}
