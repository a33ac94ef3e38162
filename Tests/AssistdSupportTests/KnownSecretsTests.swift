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

    func testASecretIsFoundAtEveryPositionAndNowhereElse() {
        let secret = "sk-find-me-0123"
        for length in secret.utf8.count..<secret.utf8.count + 20 {
            for position in 0...(length - secret.utf8.count) {
                var text = Array(repeating: UInt8(ascii: "s"), count: length)
                text.replaceSubrange(position..<position + secret.utf8.count, with: Array(secret.utf8))
                text.withUnsafeBytes { XCTAssertTrue(KnownSecrets.appears(secret, in: $0), "at \(position) of \(length)") }
                // One byte changed anywhere in it: no longer there.
                for changed in position..<position + secret.utf8.count {
                    var near = text
                    near[changed] = UInt8(ascii: "x")
                    near.withUnsafeBytes { XCTAssertFalse(KnownSecrets.appears(secret, in: $0), "changed at \(changed)") }
                }
            }
        }
        XCTAssertFalse(Array("sk-find".utf8).withUnsafeBytes { KnownSecrets.appears(secret, in: $0) }, "longer than the text")
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
