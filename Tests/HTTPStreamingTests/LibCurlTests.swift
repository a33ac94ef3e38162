@testable import HTTPStreaming
import XCTest

/// libcurl is opened by the first request; where it cannot be, that request fails with an error
/// that names the library and the way to install it.
final class LibCurlTests: XCTestCase {
    func testAMissingLibraryIsAnErrorThatSaysWhatToInstall() {
        XCTAssertThrowsError(try LibCurl(path: "libcurl-not-installed.so.4")) { error in
            guard let error = error as? TransportError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .other)
            XCTAssertTrue(error.clientUnavailable, "a retry cannot help")
            XCTAssertTrue(error.message.contains("libcurl-not-installed.so.4"), error.message)
            XCTAssertTrue(error.message.contains("install it (Debian/Ubuntu: libcurl4)"), error.message)
        }
    }

    func testTheSystemLibraryLoads() {
        XCTAssertNoThrow(try LibCurl.load())
    }
}
