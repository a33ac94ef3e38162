import AssistdSupport
import Foundation
import XCTest

/// The process's known secrets are scrubbed from any text, and from every log line.
final class KnownSecretsTests: XCTestCase {
    func testEveryKnownSecretIsScrubbedWhereverItAppearsLongestFirst() {
        KnownSecrets.register("ks-secret-0123456789")
        KnownSecrets.register("ks-secret-0123456789-and-more")
        KnownSecrets.register(" ks-padded-secret-42 \n")
        let text = "a: ks-secret-0123456789-and-more; b=ks-secret-0123456789, c ks-padded-secret-42."
        XCTAssertEqual(
            KnownSecrets.scrub(text), "a: [redacted]; b=[redacted], c [redacted].",
            "a secret that contains another goes whole; surrounding whitespace is not part of a secret")
    }

    func testValuesTooShortToScrubSafelyAreLeftAlone() {
        KnownSecrets.register("1")
        KnownSecrets.register("short7x")
        KnownSecrets.register(nil)
        XCTAssertEqual(KnownSecrets.scrub("X-Debug: 1, short7x"), "X-Debug: 1, short7x")
    }

    func testLogLinesAreScrubbed() throws {
        KnownSecrets.register("ks-logged-secret-77")
        let path = NSTemporaryDirectory() + "known-secrets-\(UUID().uuidString).log"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer {
            close(fd)
            try? FileManager.default.removeItem(atPath: path)
        }
        let logger = Logger(fileDescriptor: fd, minimumLevel: .debug, label: "test")
        logger.debug("upstream said: bad key ks-logged-secret-77")
        logger.flush(timeout: .seconds(5))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("upstream said: bad key [redacted]\n"), text)
    }
}
