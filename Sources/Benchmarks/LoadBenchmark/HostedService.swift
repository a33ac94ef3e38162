import Foundation
import JSONCore
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The FAKE DashScope service the `--hosted` scenarios run against, streaming `deltas` text deltas
/// an answer, one socket write an event (as the service does).
struct HostedService {
    let server: FakeDashScopeServer

    init(deltas: Int) throws {
        server = try FakeDashScopeServer()
        try server.knobs(["stream_deltas": .int(Int64(deltas)), "flush_every": 1])
    }

    var backend: Backend { .hosted(baseURL: server.baseURL, apiKey: FakeDashScopeServer.apiKey) }

    /// Latencies (µs) of `GET threads/{id}` straight to the fake, one at a time on one keep-alive
    /// connection: the floor under a hosted `threads/retrieve`.
    func bareRetrieveLatencies(thread: JSONValue, count: Int) async throws -> [Int64] {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 1
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: URL(string: "\(server.baseURL)/threads/\(thread.stringValue ?? "")")!)
        request.setValue("Bearer \(FakeDashScopeServer.apiKey)", forHTTPHeaderField: "Authorization")
        _ = try await session.data(for: request)  // warm up: the connection
        var latencies: [Int64] = []
        for _ in 0..<count {
            let started = DispatchTime.now().uptimeNanoseconds
            let (_, response) = try await session.data(for: request)
            latencies.append(Int64(DispatchTime.now().uptimeNanoseconds - started) / 1000)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                throw BareRetrieveFailed(response: response)
            }
        }
        return latencies
    }
}

struct BareRetrieveFailed: Error {
    let response: URLResponse
}
