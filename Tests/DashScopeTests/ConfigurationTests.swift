import AssistantAPI
@testable import DashScope
import Foundation
import JSONCore
import XCTest

final class ConfigurationTests: XCTestCase {
    func testKeyFromTheEnvironmentAndDefaults() throws {
        let configuration = try DashScopeConfiguration.resolve(
            environment: ["DASHSCOPE_API_KEY": "sk-env\n"], apiKeyFile: nil, baseURL: nil, region: nil, workspace: nil)
        XCTAssertEqual(configuration.apiKey, APIKey("sk-env"))
        XCTAssertEqual(configuration.baseURL, "https://dashscope.aliyuncs.com/api/v1")
        XCTAssertNil(configuration.workspace)
        XCTAssertTrue(configuration.userAgent.hasPrefix("assistd/"))
    }

    func testKeyFileWinsOverTheEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)")
        try "  sk-from-file  \nignored second line\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try DashScopeConfiguration.resolve(
            environment: ["DASHSCOPE_API_KEY": "sk-env"], apiKeyFile: file.path, baseURL: nil, region: nil, workspace: nil)
        XCTAssertEqual(configuration.apiKey, APIKey("sk-from-file"))
    }

    /// No key anywhere is not a start-up error (a connection may give one in `initialize`), but
    /// every call made without one is unauthenticated and says where a key goes.
    func testMissingOrUnreadableKeyIsUnauthenticated() async throws {
        let keyless = try DashScopeConfiguration.resolve(environment: [:], apiKeyFile: nil, baseURL: "http://127.0.0.1:9/api/v1", region: nil, workspace: nil)
        XCTAssertTrue(keyless.apiKey.isEmpty)
        do {
            _ = try await DashScopeBackend(configuration: keyless, log: nil).createThread(CreateThreadParams(nil))
            XCTFail("a call without a key must fail")
        } catch {
            XCTAssertEqual((error as? APIError)?.kind, .unauthenticated)
            XCTAssertTrue((error as? APIError)?.message.contains("DASHSCOPE_API_KEY") == true)
            XCTAssertTrue((error as? APIError)?.message.contains("initializationOptions.api_key") == true)
        }
        XCTAssertThrowsError(try DashScopeConfiguration.resolve(
            environment: [:], apiKeyFile: "/nonexistent/key", baseURL: nil, region: nil, workspace: nil)) {
            XCTAssertTrue(($0 as? APIError)?.message.contains("/nonexistent/key") == true)
        }
    }

    func testBaseURLPrecedenceFlagsThenRegionThenEnvironment() throws {
        let env = ["DASHSCOPE_API_KEY": "sk-k", "DASHSCOPE_HTTP_BASE_URL": "http://env.example/api/v1/", "DASHSCOPE_WORKSPACE_ID": "ws-env"]
        let fromEnv = try DashScopeConfiguration.resolve(environment: env, apiKeyFile: nil, baseURL: nil, region: nil, workspace: nil)
        XCTAssertEqual(fromEnv.baseURL, "http://env.example/api/v1")
        XCTAssertEqual(fromEnv.workspace, "ws-env")
        let intl = try DashScopeConfiguration.resolve(environment: env, apiKeyFile: nil, baseURL: nil, region: "intl", workspace: "ws-flag")
        XCTAssertEqual(intl.baseURL, "https://dashscope-intl.aliyuncs.com/api/v1")
        XCTAssertEqual(intl.workspace, "ws-flag")
        let flag = try DashScopeConfiguration.resolve(
            environment: env, apiKeyFile: nil, baseURL: "http://flag.example/v1", region: "cn", workspace: nil)
        XCTAssertEqual(flag.baseURL, "http://flag.example/v1")
        XCTAssertThrowsError(try DashScopeConfiguration.resolve(environment: env, apiKeyFile: nil, baseURL: nil, region: "mars", workspace: nil)) {
            XCTAssertEqual(($0 as? APIError)?.param, "--region")
        }
        XCTAssertThrowsError(try DashScopeConfiguration.resolve(environment: env, apiKeyFile: nil, baseURL: "not a url", region: nil, workspace: nil)) {
            XCTAssertEqual(($0 as? APIError)?.param, "--base-url")
        }
    }

    func testInitializationOptionsOverride() throws {
        let base = DashScopeConfiguration(apiKey: APIKey("sk-base"))
        let nested = try base.overridden(by: ["dashscope": [
            "api_key": "sk-conn", "base_url": "http://127.0.0.1:9/api/v1", "workspace": "ws-conn",
            "headers": ["X-Trace": "on"], "read_timeout_ms": 1500, "max_retries": 0,
        ]])
        XCTAssertEqual(nested.apiKey, APIKey("sk-conn"))
        XCTAssertEqual(nested.baseURL, "http://127.0.0.1:9/api/v1")
        XCTAssertEqual(nested.workspace, "ws-conn")
        XCTAssertEqual(nested.extraHeaders, ["X-Trace": "on"])
        XCTAssertEqual(nested.readTimeout, .milliseconds(1500))
        XCTAssertEqual(nested.maxRetries, 0)
        let topLevel = try base.overridden(by: ["region": "intl"])
        XCTAssertEqual(topLevel.baseURL, DashScopeConfiguration.internationalBaseURL)
        XCTAssertEqual(try base.overridden(by: [:]).baseURL, base.baseURL)
        XCTAssertThrowsError(try base.overridden(by: ["dashscope": ["headers": ["X": 1]]])) {
            XCTAssertEqual(($0 as? APIError)?.param, "initializationOptions.dashscope.headers.X")
        }
        XCTAssertThrowsError(try base.overridden(by: ["base_url": "ftp://x"])) {
            XCTAssertEqual(($0 as? APIError)?.param, "initializationOptions.base_url")
        }
    }

    func testRetryAfterParsing() {
        XCTAssertEqual(DashScopeClient.parseRetryAfter("2"), 2)
        XCTAssertEqual(DashScopeClient.parseRetryAfter(" 0.5 "), 0.5)
        XCTAssertNil(DashScopeClient.parseRetryAfter("soon"))
        let future = Date().addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let seconds = DashScopeClient.parseRetryAfter(formatter.string(from: future)) ?? -1
        XCTAssertTrue((25...31).contains(seconds), "an HTTP date 30 s ahead gave \(seconds)")
    }

    func testBackoffGrowsAndIsCapped() {
        let client = DashScopeClient(configuration: DashScopeConfiguration(
            apiKey: APIKey("sk-k"), retryBaseDelay: .milliseconds(100), maxRetryDelay: .milliseconds(300)), log: nil)
        for _ in 0..<20 {
            let first = client.retryDelay(attempt: 0, retryAfter: nil)!
            XCTAssertTrue((.milliseconds(50)...(.milliseconds(100))).contains(first), "\(first)")
            let later = client.retryDelay(attempt: 5, retryAfter: nil)!
            XCTAssertTrue((.milliseconds(150)...(.milliseconds(300))).contains(later), "\(later)")
        }
        XCTAssertEqual(client.retryDelay(attempt: 0, retryAfter: "1"), .seconds(1))
        XCTAssertNil(client.retryDelay(attempt: 0, retryAfter: "3600"), "a Retry-After past maxRetryAfter is not waited for")
    }
}
