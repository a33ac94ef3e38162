import Foundation

/// `assistd install [--prefix DIR]`: copies the running binary to DIR/bin/assistd (default
/// ~/.local), so editors and scripts find `assistd` on PATH.
enum InstallCommand {
    static let usage = "Usage: assistd install [--prefix DIR]   copy this binary to DIR/bin/assistd (default DIR: ~/.local)"

    static func run(_ arguments: [String]) -> Never {
        let environment = ProcessInfo.processInfo.environment
        var prefix = (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.local"
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--prefix", let value = rest.popFirst() {
                prefix = value
            } else if argument.hasPrefix("--prefix=") {
                prefix = String(argument.dropFirst("--prefix=".count))
            } else if argument == "--help" {
                Output.out(usage + "\n")
                exit(0)
            } else {
                Output.err("assistd install: unexpected argument '\(argument)'\n\(usage)\n")
                exit(2)
            }
        }
        let bin = URL(fileURLWithPath: prefix).standardizedFileURL.path + "/bin"
        let target = bin + "/assistd"
        do {
            try copy(from: ownExecutable(), to: target)
        } catch {
            Output.err("assistd install: cannot install to \(target): \(error)\n")
            exit(1)
        }
        Output.out("installed: \(target)\n")
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        if !path.contains(bin) {
            Output.err("note: \(bin) is not on PATH; add it, e.g. in ~/.profile: export PATH=\"\(bin):$PATH\"\n")
        }
        exit(0)
    }

    /// Copied beside the target and renamed over it, so a running assistd at the target keeps its file.
    static func copy(from source: String, to target: String) throws {
        let folder = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if URL(fileURLWithPath: source).resolvingSymlinksInPath().path == URL(fileURLWithPath: target).resolvingSymlinksInPath().path {
            return
        }
        let partial = folder + "/.assistd.partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.copyItem(atPath: source, toPath: partial)
        chmod(partial, 0o755)
        guard rename(partial, target) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw InstallFailure(description: reason)
        }
    }

    struct InstallFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// The running executable: /proc/self/exe on Linux, else argv[0] made absolute.
    static func ownExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let first = CommandLine.arguments[0]
        if first.hasPrefix("/") { return first }
        return FileManager.default.currentDirectoryPath + "/" + first
    }
}
