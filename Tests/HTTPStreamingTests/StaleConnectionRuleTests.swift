@testable import HTTPStreaming
import Foundation
import XCTest

/// The stale keep-alive rule (TransportPolicy, CurlTransport): a request that got no byte of answer is repeated
/// at once when that is safe, and only then. The rule at work through the binary is in
/// EndToEndTests (RunsOpenAIModelFaultTests, DashScopeFaultTests).
final class StaleConnectionRuleTests: XCTestCase {
    func request(_ method: String) -> HTTPRequest {
        HTTPRequest(method: method, url: URL(string: "http://127.0.0.1:1/v1/x")!, headers: [], body: nil)
    }

    let closedOnReuse = TransportError(kind: .connectionLost, message: "closed", closedBeforeResponse: true, onReusedConnection: true)
    let closedFresh = TransportError(kind: .connectionLost, message: "closed", closedBeforeResponse: true)

    func testAPostIsRepeatedOnlyWhenItsReusedConnectionClosedBeforeAnswering() {
        XCTAssertTrue(TransportPolicy.mayRepeat(request("POST"), after: closedOnReuse))
        XCTAssertFalse(TransportPolicy.mayRepeat(request("POST"), after: closedFresh), "it may have reached the server")
    }

    func testIdempotentRequestsAreRepeatedAfterAnyCloseBeforeAnswering() {
        for method in ["GET", "get", "HEAD", "PUT", "DELETE", "OPTIONS"] {
            XCTAssertTrue(TransportPolicy.mayRepeat(request(method), after: closedFresh), method)
        }
    }

    func testNothingIsRepeatedAfterAnAnswerStartedATimeoutOrARefusal() {
        let midBody = TransportError(kind: .connectionLost, message: "lost mid-body")
        let timeout = TransportError(kind: .timeout, message: "timed out")
        let refused = TransportError(kind: .refused, message: "refused")
        for error in [midBody, timeout, refused] {
            XCTAssertFalse(TransportPolicy.mayRepeat(request("GET"), after: error), error.message)
            XCTAssertFalse(TransportPolicy.mayRepeat(request("POST"), after: error), error.message)
        }
    }
}
