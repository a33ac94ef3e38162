import AssistantAPI
import Foundation
import JSONCore

/// How the dashscope backend reaches the service: key, base URL, workspace, headers, timeouts
/// and retries. Built once from the environment and flags (`resolve`), then optionally
/// overridden per connection by `initialize`'s `initializationOptions` (`overridden(by:)`).
public struct DashScopeConfiguration: Sendable {
    public static let chinaBaseURL = "https://dashscope.aliyuncs.com/api/v1"
    public static let internationalBaseURL = "https://dashscope-intl.aliyuncs.com/api/v1"
    public static let defaultUserAgent = "assistd/0.1 (dashscope backend; swift; \(platformName))"

    public var apiKey: APIKey
    /// The HTTP base, e.g. `https://dashscope.aliyuncs.com/api/v1` (no trailing slash).
    public var baseURL: String
    /// Sent as `X-DashScope-WorkSpace` when set.
    public var workspace: String?
    public var userAgent: String
    /// Headers added to every request, last (so they can override the defaults), as the SDK's
    /// `headers=` argument does. Their values are never logged.
    public var extraHeaders: [String: String]
    /// The longest wait for a response to start (status line and headers): connecting, TLS and
    /// the service accepting the request. The service answers every endpoint at once (streams
    /// send their headers first), so this is short.
    public var connectTimeout: Duration
    /// The longest silence between two pieces of a response body once it started.
    public var readTimeout: Duration
    /// Retries after the first attempt (reads on 429/5xx/network failures; any request that
    /// surely never reached the server).
    public var maxRetries: Int
    /// The first retry's delay before jitter; doubles each retry up to `maxRetryDelay`.
    public var retryBaseDelay: Duration
    public var maxRetryDelay: Duration
    /// A `Retry-After` longer than this is not waited for: the rate-limit error is returned.
    public var maxRetryAfter: Duration
    /// `runs/wait`'s first poll interval; it grows by half each poll up to `maxPollInterval`.
    public var firstPollInterval: Duration
    public var maxPollInterval: Duration

    public init(
        apiKey: APIKey, baseURL: String = DashScopeConfiguration.chinaBaseURL, workspace: String? = nil,
        userAgent: String = DashScopeConfiguration.defaultUserAgent, extraHeaders: [String: String] = [:],
        connectTimeout: Duration = .seconds(30), readTimeout: Duration = .seconds(60), maxRetries: Int = 3,
        retryBaseDelay: Duration = .milliseconds(500), maxRetryDelay: Duration = .seconds(8),
        maxRetryAfter: Duration = .seconds(60), firstPollInterval: Duration = .milliseconds(50),
        maxPollInterval: Duration = .seconds(1)
    ) {
        self.apiKey = apiKey
        self.baseURL = Self.trimmedBase(baseURL)
        self.workspace = workspace
        self.userAgent = userAgent
        self.extraHeaders = extraHeaders
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxRetries = maxRetries
        self.retryBaseDelay = retryBaseDelay
        self.maxRetryDelay = maxRetryDelay
        self.maxRetryAfter = maxRetryAfter
        self.firstPollInterval = firstPollInterval
        self.maxPollInterval = maxPollInterval
    }

    /// The configuration from the environment and the command line. Flags win over the
    /// environment. The key comes from `--api-key-file` (first line, trimmed) or
    /// `DASHSCOPE_API_KEY` (or the SDK's `DASHSCOPE_API_KEY_FILE_PATH`), never from a flag's
    /// value; with none, assistd starts and each connection must give `initializationOptions.api_key`.
    /// The base from `--base-url`, `--region cn|intl`, `DASHSCOPE_HTTP_BASE_URL`, else
    /// mainland China's. The workspace from `--workspace` or `DASHSCOPE_WORKSPACE_ID`.
    public static func resolve(
        environment: [String: String], apiKeyFile: String?, baseURL: String?, region: String?, workspace: String?
    ) throws(APIError) -> DashScopeConfiguration {
        let key: APIKey
        if let apiKeyFile {
            key = try readKeyFile(apiKeyFile, source: "--api-key-file")
        } else if let value = environment["DASHSCOPE_API_KEY"]?.trimmingWhiteSpace, !value.isEmpty {
            key = APIKey(value)
        } else if let path = environment["DASHSCOPE_API_KEY_FILE_PATH"], !path.isEmpty {
            key = try readKeyFile(path, source: "DASHSCOPE_API_KEY_FILE_PATH")
        } else {
            // A plugin may keep the key in the editor's secret store and give it per connection
            // (`initializationOptions.api_key`); until then every call is `missingKeyError`.
            key = APIKey("")
        }
        var base = environment["DASHSCOPE_HTTP_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? chinaBaseURL
        if let region { base = try regionBase(region, param: "--region") }
        if let baseURL { base = baseURL }
        try validateBase(base, param: baseURL != nil ? "--base-url" : "DASHSCOPE_HTTP_BASE_URL")
        let space = workspace ?? environment["DASHSCOPE_WORKSPACE_ID"]
        return DashScopeConfiguration(apiKey: key, baseURL: base, workspace: space.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// This configuration with `initialize`'s `initializationOptions` applied. The options are
    /// read from `initializationOptions.dashscope` when that object is present, else from the
    /// top level: `api_key`, `base_url`, `region` (`cn`|`intl`), `workspace`, `user_agent`,
    /// `headers` (object of strings), `connect_timeout_ms`, `read_timeout_ms`, `max_retries`.
    public func overridden(by initializationOptions: JSONObject) throws(APIError) -> DashScopeConfiguration {
        var options = initializationOptions
        var prefix = "initializationOptions."
        if let nested = initializationOptions["dashscope"] {
            guard case .object(let object) = nested else {
                throw APIError.invalid("initializationOptions.dashscope", "expected an object, got \(nested.typeName)")
            }
            options = object
            prefix = "initializationOptions.dashscope."
        }
        var copy = self
        func string(_ key: String) throws(APIError) -> String? {
            guard let value = options[key], !value.isNull else { return nil }
            guard case .string(let text) = value else {
                throw APIError.invalid(prefix + key, "expected a string, got \(value.typeName)")
            }
            return text
        }
        func milliseconds(_ key: String) throws(APIError) -> Duration? {
            guard let value = options[key], !value.isNull else { return nil }
            guard let number = value.intValue, number > 0 else {
                throw APIError.invalid(prefix + key, "expected a positive integer of milliseconds")
            }
            return .milliseconds(number)
        }
        if let key = try string("api_key") {
            if key.isEmpty { throw APIError.invalid(prefix + "api_key", "must not be empty") }
            copy.apiKey = APIKey(key)
        }
        if let region = try string("region") { copy.baseURL = try Self.regionBase(region, param: prefix + "region") }
        if let base = try string("base_url") {
            try Self.validateBase(base, param: prefix + "base_url")
            copy.baseURL = Self.trimmedBase(base)
        }
        if let workspace = try string("workspace") { copy.workspace = workspace.isEmpty ? nil : workspace }
        if let agent = try string("user_agent") { copy.userAgent = agent }
        if let headers = options["headers"], !headers.isNull {
            guard case .object(let object) = headers else {
                throw APIError.invalid(prefix + "headers", "expected an object of string values, got \(headers.typeName)")
            }
            for (name, value) in object {
                guard case .string(let text) = value else {
                    throw APIError.invalid(prefix + "headers.\(name)", "header values must be strings, got \(value.typeName)")
                }
                copy.extraHeaders[name] = text
            }
        }
        if let timeout = try milliseconds("connect_timeout_ms") { copy.connectTimeout = timeout }
        if let timeout = try milliseconds("read_timeout_ms") { copy.readTimeout = timeout }
        if let retries = options["max_retries"], !retries.isNull {
            guard let count = retries.intValue, (0...10).contains(count) else {
                throw APIError.invalid(prefix + "max_retries", "expected an integer from 0 to 10")
            }
            copy.maxRetries = Int(count)
        }
        return copy
    }

    /// What a call answers when no key was given anywhere.
    public static let missingKeyError = APIError(
        .unauthenticated,
        "no DashScope API key: set DASHSCOPE_API_KEY (or DASHSCOPE_API_KEY_FILE_PATH), pass --api-key-file FILE, "
            + "or give initializationOptions.api_key in initialize",
        code: "InvalidApiKey")

    static func regionBase(_ region: String, param: String) throws(APIError) -> String {
        switch region.lowercased() {
        case "cn", "cn-beijing": return chinaBaseURL
        case "intl", "international", "ap-southeast-1": return internationalBaseURL
        default: throw APIError.invalid(param, "must be cn or intl (got \"\(region)\")")
        }
    }

    static func validateBase(_ base: String, param: String) throws(APIError) {
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw APIError.invalid(param, "expected an http(s) URL such as \(chinaBaseURL) (got \"\(base)\")")
        }
    }

    static func trimmedBase(_ base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    static func readKeyFile(_ path: String, source: String) throws(APIError) -> APIKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIError(.unauthenticated, "cannot read the API key file named by \(source): \(path)", code: "InvalidApiKey")
        }
        let firstLine = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let key = firstLine.trimmingCharacters(in: .whitespaces)
        if key.isEmpty {
            throw APIError(.unauthenticated, "the API key file named by \(source) is empty: \(path)", code: "InvalidApiKey")
        }
        return APIKey(key)
    }

    static var platformName: String {
        #if os(Linux)
        return "Linux"
        #elseif os(macOS)
        return "macOS"
        #else
        return "unknown"
        #endif
    }
}
