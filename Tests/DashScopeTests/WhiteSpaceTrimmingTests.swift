@testable import DashScope
import Foundation
import XCTest

final class WhiteSpaceTrimmingTests: XCTestCase {
    /// The key's trim removes what Foundation's `.whitespacesAndNewlines` removes, no more, no less.
    func testTrimsWhatFoundationTrims() {
        let samples = [
            "", " ", "\t\n\r\u{0B}\u{0C}", "sk-key", "  sk-key\n", "\r\nsk key\t",
            "\u{00A0}sk\u{2028}", "\u{3000}\u{1680}sk-ü\u{2009}\u{202F}\u{205F}", "\u{0085}sk\u{2029}",
            "\u{200B}sk\u{200B}", "\u{FEFF}sk", "\u{180E}sk", "sk\u{2060}", "é\u{0301} ", " \u{0301}sk", "日本\u{3000}",
        ]
        for sample in samples {
            XCTAssertEqual(
                sample.trimmingWhiteSpace, sample.trimmingCharacters(in: .whitespacesAndNewlines),
                "\(sample.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    func testKeyFromTheEnvironmentIsTrimmedOfUnicodeWhiteSpace() throws {
        let configuration = try DashScopeConfiguration.resolve(
            environment: ["DASHSCOPE_API_KEY": "\u{00A0}sk-env\u{3000}\n"], apiKeyFile: nil, baseURL: nil, region: nil, workspace: nil)
        XCTAssertEqual(configuration.apiKey, APIKey("sk-env"))
        let blank = try DashScopeConfiguration.resolve(
            environment: ["DASHSCOPE_API_KEY": " \u{2028}\t"], apiKeyFile: nil, baseURL: nil, region: nil, workspace: nil)
        XCTAssertEqual(blank.apiKey, APIKey(""))
    }
}
