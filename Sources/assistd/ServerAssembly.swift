import AssistantAPI
import AssistdSupport
import Bridge
import Foundation
import JSONCore
import JSONRPC

/// The bridge a server runs: the backend the flags ask for, the method table, `initialize`'s
/// answer. Shared by `assistd` serving on stdio and `assistd call` serving in-process.
enum ServerAssembly {
    /// Throws `UsageError` for flags that cannot work, anything else when the backend cannot start.
    /// `onBackend` sees the backend's `initialize` description (for the start-up log line).
    static func makeBridge(
        options: CommandLineOptions, logger: Logger, onExit: @escaping @Sendable (Int32) -> Void,
        onBackend: (JSONObject) -> Void = { _ in }, onBackends: (BackendSlot) -> Void = { _ in }
    ) throws -> BridgeServer {
        let factory = BackendFactory(options: options, environment: ProcessInfo.processInfo.environment, logger: logger)
        let backend: any AssistantBackend
        do {
            backend = try factory.makeBackend()
        } catch let error as UsageError {
            throw error
        } catch {
            throw StartError(message: "cannot start the \(factory.backendName) backend: \(error)")
        }
        onBackend(backend.info)
        let backends = BackendSlot(backend)
        onBackends(backends)
        let methods = MethodTable.assistantAPI(backends: backends, toolCallTimeout: .seconds(options.toolCallTimeoutSeconds))

        var configuration = BridgeConfiguration()
        configuration.logger = logger
        configuration.backend = .object(backend.info)
        configuration.errorMapper = AssistantErrorMapping.map
        configuration.prepareBackend = { initializationOptions in
            if let replacement = try factory.backend(for: initializationOptions, current: backends.current) {
                backends.replace(with: replacement)
            }
            return .object(backends.current.info)
        }
        return BridgeServer(configuration: configuration, methods: methods, onExit: onExit)
    }

    struct StartError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
