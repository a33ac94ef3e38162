import AssistdSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a server is started with: its environment and the executable its command names.
enum ServerLaunch {
    /// assistd's environment without the variables that carry one of its secrets (an API key is
    /// not the server's business), then the configuration's variables on top.
    static func environment(for config: MCPServerConfig) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { KnownSecrets.scrub($0.value) == $0.value }
        for variable in config.environment {
            environment[variable.name] = variable.value
            if Self.looksSecret(variable.name) { KnownSecrets.register(variable.value) }
        }
        return environment
    }

    /// Variables such as GITHUB_TOKEN or API_KEY: their values are scrubbed from logs and errors
    /// (the server's stderr may echo them).
    static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["TOKEN", "SECRET", "KEY", "PASSWORD", "CREDENTIAL"].contains { upper.contains($0) }
    }

    /// The executable `command` names: a path as it is (relative to the working directory), a bare
    /// name looked up in `path` as a shell would. Nil when there is no such executable file.
    static func resolve(_ command: String, path: String?, workingDirectory: String?) -> String? {
        func isExecutableFile(_ candidate: String) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) && !isDirectory.boolValue
                && access(candidate, X_OK) == 0
        }
        if command.contains("/") {
            let full = command.hasPrefix("/") || workingDirectory == nil ? command : workingDirectory! + "/" + command
            return isExecutableFile(full) ? full : nil
        }
        let directories = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
        for directory in directories {
            let base = directory.isEmpty ? (workingDirectory ?? ".") : String(directory)
            let candidate = base + "/" + command
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }
}
