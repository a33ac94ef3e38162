import JSONCore

/// The params of each method, validated the same way for both backends. Every params type
/// keeps `raw`, the object as the client sent it, so the hosted backend can forward fields
/// this bridge does not know yet.

/// Sampling and model fields shared by assistants and runs.
public struct ModelSettings: Sendable, Equatable {
    public var model: String?
    public var instructions: String?
    public var tools: [Tool]?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var maxTokens: Int?

    public init() {}

    static func read(_ reader: inout ParamReader) throws(APIError) -> ModelSettings {
        var settings = ModelSettings()
        settings.model = try reader.optionalString("model")
        if let model = settings.model, model.isEmpty { throw APIError.invalid(reader.name("model"), "must not be empty") }
        settings.instructions = try reader.optionalString("instructions", maxLength: Validation.maxInstructionsLength)
        settings.tools = try Validation.tools(&reader)
        settings.temperature = try reader.optionalDouble("temperature", in: 0...2)
        settings.topP = try reader.optionalDouble("top_p", in: 0...1)
        settings.topK = try reader.optionalInt("top_k", in: 0...1_000_000)
        settings.maxTokens = try reader.optionalInt("max_tokens", in: 1...1_000_000)
        return settings
    }
}

public struct CreateAssistantParams: Sendable {
    public var settings: ModelSettings
    public var name: String?
    public var description: String?
    public var fileIDs: [String]
    public var metadata: [String: String]
    public var raw: JSONObject

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        settings = try ModelSettings.read(&reader)
        if settings.model == nil { throw APIError.invalid("model", "is required") }
        name = try reader.optionalString("name", maxLength: Validation.maxNameLength)
        description = try reader.optionalString("description", maxLength: Validation.maxDescriptionLength)
        fileIDs = try reader.stringArray("file_ids")
        metadata = try Validation.metadata(&reader) ?? [:]
        raw = reader.object
    }
}

public struct UpdateAssistantParams: Sendable {
    public var assistantID: String
    public var settings: ModelSettings
    public var name: String?
    public var description: String?
    public var fileIDs: [String]?
    public var metadata: [String: String]?
    public var raw: JSONObject

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        assistantID = try reader.id("assistant_id")
        settings = try ModelSettings.read(&reader)
        name = try reader.optionalString("name", maxLength: Validation.maxNameLength)
        description = try reader.optionalString("description", maxLength: Validation.maxDescriptionLength)
        fileIDs = reader.object["file_ids"] == nil ? nil : try reader.stringArray("file_ids")
        metadata = try Validation.metadata(&reader)
        raw = reader.object
    }
}

/// `limit` 1–100 (default 20), `order` asc|desc (default desc), `after`/`before` cursors.
public struct ListParams: Sendable, Equatable {
    public enum Order: String, Sendable { case asc, desc }
    /// The largest page a list answers.
    public static let maxLimit = 100
    public static let defaultLimit = 20
    public static let defaultOrder = Order.desc

    /// What the client sent (nil: not sent), so the hosted backend forwards exactly that.
    public var requestedLimit: Int?
    public var requestedOrder: Order?
    public var after: String?
    public var before: String?

    public var limit: Int {
        get { requestedLimit ?? Self.defaultLimit }
        set { requestedLimit = newValue }
    }

    public var order: Order {
        get { requestedOrder ?? Self.defaultOrder }
        set { requestedOrder = newValue }
    }

    public init(limit: Int? = nil, order: Order? = nil, after: String? = nil, before: String? = nil) {
        self.requestedLimit = limit
        self.requestedOrder = order
        self.after = after
        self.before = before
    }

    /// The same page: whether a value was sent or defaulted does not matter here.
    public static func == (left: ListParams, right: ListParams) -> Bool {
        left.limit == right.limit && left.order == right.order && left.after == right.after && left.before == right.before
    }

    static func read(_ reader: inout ParamReader) throws(APIError) -> ListParams {
        var list = ListParams()
        if let limit = try reader.optionalInt("limit", in: 1...100) { list.limit = limit }
        if let order = try reader.optionalString("order") {
            guard let parsed = Order(rawValue: order) else {
                throw APIError.invalid(reader.name("order"), "must be asc or desc (got \"\(order)\")")
            }
            list.order = parsed
        }
        list.after = try reader.optionalString("after")
        list.before = try reader.optionalString("before")
        return list
    }

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        self = try Self.read(&reader)
    }
}

/// The `metadata` of the metadata-only updates of threads, messages and runs; the ids are the
/// method's own fields.
public struct MetadataUpdate: Sendable {
    /// nil when absent: the metadata stays as it is.
    public var metadata: [String: String]?
    /// The params as sent, for the hosted backend.
    public var raw: JSONObject

    public init(reader: inout ParamReader) throws(APIError) {
        metadata = try Validation.metadata(&reader)
        raw = reader.object
    }
}

/// One new message: `{role, content, file_ids, metadata}`.
public struct NewMessage: Sendable, Equatable {
    public var role: String
    public var content: [ContentPart]
    public var fileIDs: [String]
    public var metadata: [String: String]

    public init(role: String = "user", content: [ContentPart], fileIDs: [String] = [], metadata: [String: String] = [:]) {
        self.role = role
        self.content = content
        self.fileIDs = fileIDs
        self.metadata = metadata
    }

    static func read(_ reader: inout ParamReader) throws(APIError) -> NewMessage {
        NewMessage(
            role: try Validation.role(&reader),
            content: try Validation.content(&reader),
            fileIDs: try reader.stringArray("file_ids"),
            metadata: try Validation.metadata(&reader) ?? [:])
    }

    static func readList(_ reader: inout ParamReader, _ key: String) throws(APIError) -> [NewMessage]? {
        guard let items = try reader.objectArray(key) else { return nil }
        var messages: [NewMessage] = []
        for var item in items { messages.append(try read(&item)) }
        return messages
    }
}

public struct CreateThreadParams: Sendable {
    public var messages: [NewMessage]
    public var metadata: [String: String]
    public var raw: JSONObject

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try Self.reader(for: params)
        try self.init(reader: &reader)
    }

    /// The official SDK sends the JSON string "" as the body of an empty create.
    public static func reader(for params: JSONValue?) throws(APIError) -> ParamReader {
        try ParamReader(params == .string("") ? nil : params)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        messages = try NewMessage.readList(&reader, "messages") ?? []
        metadata = try Validation.metadata(&reader) ?? [:]
        raw = reader.object
    }
}

public struct CreateMessageParams: Sendable {
    public var threadID: String
    public var message: NewMessage
    public var raw: JSONObject

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        message = try NewMessage.read(&reader)
        raw = reader.object
    }
}

public struct ListMessagesParams: Sendable {
    public var threadID: String
    public var list: ListParams
    public var runID: String?

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        list = try ListParams.read(&reader)
        runID = try reader.optionalString("run_id")
    }
}

/// The run fields shared by `runs/create` and `runs/createThreadAndRun`. A field given here
/// overrides the assistant's for this run only.
public struct RunOptions: Sendable {
    public var assistantID: String
    public var settings: ModelSettings
    public var additionalInstructions: String?
    public var additionalMessages: [NewMessage]
    public var metadata: [String: String]
    public var truncationStrategy: TruncationStrategy?
    public var toolChoice: ToolChoice?
    public var stream: Bool
    /// Bridge-only: the bridge answers `tools/call` itself through the client (never sent upstream).
    public var handleTools: Bool

    static func read(_ reader: inout ParamReader) throws(APIError) -> RunOptions {
        RunOptions(
            assistantID: try reader.id("assistant_id"),
            settings: try ModelSettings.read(&reader),
            additionalInstructions: try reader.optionalString("additional_instructions", maxLength: Validation.maxInstructionsLength),
            additionalMessages: try NewMessage.readList(&reader, "additional_messages") ?? [],
            metadata: try Validation.metadata(&reader) ?? [:],
            truncationStrategy: try Validation.truncationStrategy(&reader),
            toolChoice: try Validation.toolChoice(&reader),
            stream: try reader.optionalBool("stream") ?? false,
            handleTools: try reader.optionalBool("handle_tools") ?? false)
    }
}

public struct CreateRunParams: Sendable {
    public var threadID: String
    public var options: RunOptions
    public var raw: JSONObject

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        options = try RunOptions.read(&reader)
        raw = reader.object
    }
}

public struct CreateThreadAndRunParams: Sendable {
    public var thread: CreateThreadParams
    public var options: RunOptions
    public var raw: JSONObject

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        if var threadReader = try reader.optionalObject("thread") {
            thread = try CreateThreadParams(reader: &threadReader)
        } else {
            thread = try CreateThreadParams(nil)
        }
        options = try RunOptions.read(&reader)
        raw = reader.object
    }
}

public struct ToolOutput: Sendable, Equatable {
    /// May be `""`: the service matches outputs to calls by position then.
    public var toolCallID: String
    public var output: String

    public init(toolCallID: String, output: String) {
        self.toolCallID = toolCallID
        self.output = output
    }
}

public struct SubmitToolOutputsParams: Sendable {
    public var threadID: String
    public var runID: String
    public var toolOutputs: [ToolOutput]
    public var stream: Bool
    public var handleTools: Bool
    public var raw: JSONObject

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        runID = try reader.id("run_id")
        guard let items = try reader.objectArray("tool_outputs") else {
            throw APIError.invalid("tool_outputs", "is required")
        }
        if items.isEmpty { throw APIError.invalid("tool_outputs", "must not be empty") }
        var outputs: [ToolOutput] = []
        for var item in items {
            outputs.append(ToolOutput(
                toolCallID: try item.optionalString("tool_call_id") ?? "",
                output: try item.string("output")))
        }
        toolOutputs = outputs
        stream = try reader.optionalBool("stream") ?? false
        handleTools = try reader.optionalBool("handle_tools") ?? false
        raw = reader.object
    }

    public init(threadID: String, runID: String, toolOutputs: [ToolOutput], stream: Bool) {
        self.threadID = threadID
        self.runID = runID
        self.toolOutputs = toolOutputs
        self.stream = stream
        handleTools = false
        raw = [:]
    }
}

public struct WaitRunParams: Sendable {
    public var threadID: String
    public var runID: String
    /// nil waits without a deadline (until the run is terminal or needs action, or the request is cancelled).
    public var timeoutMs: Int?

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        threadID = try reader.id("thread_id")
        runID = try reader.id("run_id")
        timeoutMs = try reader.optionalInt("timeout_ms", in: 0...Int(Int32.max))
    }
}

public struct AssistantFileParams: Sendable {
    public var assistantID: String
    public var fileID: String

    public init(_ params: JSONValue?) throws(APIError) {
        var reader = try ParamReader(params)
        try self.init(reader: &reader)
    }

    public init(reader: inout ParamReader) throws(APIError) {
        assistantID = try reader.id("assistant_id")
        fileID = try reader.id("file_id")
    }
}
