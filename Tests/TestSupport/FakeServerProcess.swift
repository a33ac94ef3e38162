import Foundation
import JSONCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A Python fake from Tests/Fakes run as a child: it prints its port on stdout, serves until its
/// stdin closes (a pipe we hold, so it dies with the test process), and takes test controls at
/// `/__control__/<command>`.
public class FakeServerProcess: @unchecked Sendable {
    public let port: Int
    private let process = Process()
    private let input = Pipe()
    private let controlSession = URLSession(configuration: .ephemeral)

    public init(script: String, arguments: [String] = []) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", RepositoryPaths.fakes.appendingPathComponent(script).path] + arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw FakeServerError(description: "\(script) did not print its port (is python3 installed?): \(String(decoding: line, as: UTF8.self))")
        }
        self.port = port
    }

    deinit { stop() }

    /// Closes the fake's stdin and waits for it to end.
    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// A control request, for tests that block on pipes: GET without a body, POST with one.
    @discardableResult
    public func control(_ command: String, _ body: JSONValue? = nil) throws -> JSONValue {
        let outcome = ControlOutcome()
        let done = DispatchSemaphore(value: 0)
        controlSession.dataTask(with: controlRequest(command, body)) { data, _, error in
            outcome.set(data, error)
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 30) == .success else {
            throw FakeServerError(description: "control \(command) got no answer")
        }
        return try outcome.value()
    }

    /// A control request, for async tests.
    @discardableResult
    public func control(_ command: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let (data, _) = try await controlSession.data(for: controlRequest(command, body))
        return try JSONValue.parse([UInt8](data))
    }

    private func controlRequest(_ command: String, _ body: JSONValue?) -> URLRequest {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/__control__/\(command)")!)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.serialized())
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        return request
    }
}

public struct FakeServerError: Error, CustomStringConvertible {
    public let description: String
}

private final class ControlOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var error: (any Error)?

    func set(_ data: Data?, _ error: (any Error)?) { lock.withLock { (self.data, self.error) = (data, error) } }

    func value() throws -> JSONValue {
        let (received, failure): (Data?, (any Error)?) = lock.withLock { (data, error) }
        if let failure { throw failure }
        return try JSONValue.parse([UInt8](received ?? Data()))
    }
}
