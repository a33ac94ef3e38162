import AssistdSupport
import Foundation
import HTTPStreaming
import JSONCore

extension OpenAIChatModel {
    /// Classifies the server's failures as `ChatModelError`s with messages a person can act on.
    enum ErrorText {
        static let messageLimit = 500

        /// Scrubbed of known secrets before it is cut, so a cut never leaves half a secret.
        static func truncated(_ text: String, limit: Int = messageLimit) -> String {
            let trimmed = KnownSecrets.scrub(text).trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.count <= limit ? trimmed : String(trimmed.prefix(limit)) + "…"
        }

        /// The server's own words: `{"error":{"message":…}}`, `{"error":"…"}`, `{"message":…}`,
        /// `{"detail":…}` (FastAPI servers such as vLLM), or the body text.
        static func serverMessage(fromBody body: [UInt8]) -> String {
            if let json = try? JSONValue.parse(body) {
                if let message = message(in: json) { return truncated(message) }
            }
            let text = truncated(String(decoding: body, as: UTF8.self))
            return text.isEmpty ? "(empty body)" : text
        }

        private static func message(in json: JSONValue) -> String? {
            if let error = json["error"] {
                if let text = error.stringValue { return text }
                if let text = error["message"]?.stringValue { return text }
            }
            if let text = json["message"]?.stringValue { return text }
            if let detail = json["detail"] {
                return detail.stringValue ?? detail.serializedString()
            }
            return nil
        }

        /// Whether a refused request's body blames `stream_options`, which older servers reject.
        static func blamesStreamOptions(status: Int, body: [UInt8]) -> Bool {
            guard status == 400 || status == 422 else { return false }
            if status == 422 { return true }
            let text = String(decoding: body, as: UTF8.self).lowercased()
            return text.contains("stream_options") || text.contains("include_usage")
        }

        static func httpError(status: Int, body: [UInt8], url: URL) -> ChatModelError {
            let said = serverMessage(fromBody: body)
            switch status {
            case 429:
                return ChatModelError(.rateLimited, "the model server is rate limiting requests (HTTP 429): \(said)")
            case 400, 413, 422:
                return ChatModelError(.invalidPrompt, "the model server refused the prompt (HTTP \(status)): \(said)")
            case 401, 403:
                return ChatModelError(
                    .server,
                    "authentication with the model server failed (HTTP \(status)); check the API key given by --model-api-key-env: \(said)")
            case 404:
                return ChatModelError(
                    .unavailable, "the model server has no such endpoint or model (HTTP 404 for \(url.absoluteString)): \(said)")
            case 500...599:
                return ChatModelError(.server, "the model server failed (HTTP \(status)): \(said)")
            default:
                return ChatModelError(.server, "the model server answered HTTP \(status): \(said)")
            }
        }

        /// An `error` object sent inside a 200 stream.
        static func streamError(_ error: JSONValue) -> ChatModelError {
            let said = truncated(message(in: ["error": error]) ?? error.serializedString())
            let code = (error["code"]?.intValue.map(String.init) ?? error["code"]?.stringValue ?? "").lowercased()
            let type = (error["type"]?.stringValue ?? "").lowercased()
            if code == "429" || code.contains("rate_limit") || type.contains("rate_limit") {
                return ChatModelError(.rateLimited, "the model server is rate limiting requests: \(said)")
            }
            if said.lowercased().contains("context") || code.contains("context_length") {
                return ChatModelError(.invalidPrompt, "the model server refused the prompt mid-stream: \(said)")
            }
            return ChatModelError(.server, "the model server reported an error mid-stream: \(said)")
        }

        /// A failure below HTTP (the transport's `TransportError`): no connection, a timeout, a
        /// connection that broke.
        static func transportError(_ error: any Error, afterResponse: Bool, url: URL) -> ChatModelError {
            let failure = error as? TransportError
            let said = failure?.message ?? "\(error)"
            let host = url.host ?? url.absoluteString
            switch failure?.kind {
            case .timeout:
                // The transport's message names the timeout that ran out and its flag's value.
                return ChatModelError(
                    .server,
                    afterResponse
                        ? "the model server at \(host) went silent in the middle of the stream: \(said) (--model-read-timeout)"
                        : "the model server at \(host) did not answer: \(said) (--model-connect-timeout)")
            case .dns, .refused:
                return ChatModelError(.server, "could not connect to the model server at \(host): \(said)")
            default:
                if afterResponse {
                    return ChatModelError(.server, "the connection to the model server broke in the middle of the stream: \(said)")
                }
                return ChatModelError(.server, "network failure talking to the model server at \(host): \(said)")
            }
        }

        /// Servers echo the key back ("Incorrect API key provided: sk-…") and proxies the request's
        /// headers: the key (however short) and every other known secret are scrubbed.
        static func redacting(_ error: ChatModelError, apiKey: String?) -> ChatModelError {
            var message = error.message
            if let apiKey, !apiKey.isEmpty { message = message.replacingOccurrences(of: apiKey, with: KnownSecrets.placeholder) }
            message = KnownSecrets.scrub(message)
            return message == error.message ? error : ChatModelError(error.kind, message)
        }
    }
}
