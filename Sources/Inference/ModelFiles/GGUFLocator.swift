import Foundation

/// Finds the embedded model's file from explicit settings and assistd's own models folder only:
/// no Python, no network, nothing that costs a start-up.
public enum GGUFLocator {
    /// Which installed model a run uses when the folder holds several: the first one installed.
    /// Qwen first: it answers the quick start right; SmolLM2 is smaller and faster.
    public static let preference: [ModelPackage] = ModelPackage.all

    /// The file name a run prefers in the models folder.
    public static var defaultFileName: String { preference[0].fileName }

    /// Search order: `explicitPath` (`--gguf`); `$ASSISTD_GGUF`; `modelsDirectory`. A file named
    /// by either setting must be readable: a wrong one is reported, never skipped.
    public static func locate(
        explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Result<GGUFLocation, GGUFLocatorProblem> {
        if let path = explicitPath, !path.isEmpty { return check(path, source: .flag) }
        if let path = environment["ASSISTD_GGUF"], !path.isEmpty { return check(path, source: .environment) }
        let folder = modelsDirectory(environment: environment)
        guard let path = installedFiles(in: folder).first else { return .failure(.notInstalled(modelsDirectory: folder)) }
        return .success(GGUFLocation(path: path, source: .modelsFolder))
    }

    /// The readable `.gguf` files of the models folder in the order a run prefers them: the
    /// packages of `order` that are installed, then any other file by name.
    public static func installedFiles(
        environment: [String: String] = ProcessInfo.processInfo.environment, order: [ModelPackage] = preference
    ) -> [String] {
        installedFiles(in: modelsDirectory(environment: environment), order: order)
    }

    /// The file `locate` finds, or nil (for tests and benchmarks).
    public static func find(explicitPath: String? = nil) -> String? {
        try? locate(explicitPath: explicitPath).get().path
    }

    /// `$XDG_DATA_HOME/assistd/models`, else `~/.local/share/assistd/models` (a relative
    /// XDG_DATA_HOME is ignored, as the XDG spec says): where `assistd model install` puts files.
    public static func modelsDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/assistd/models" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/assistd/models"
    }

    static func check(_ path: String, source: GGUFLocation.Source) -> Result<GGUFLocation, GGUFLocatorProblem> {
        if let reason = unreadableReason(path) { return .failure(.unreadable(path: path, source: source, reason: reason)) }
        return .success(GGUFLocation(path: path, source: source))
    }

    /// nil when `path` is a regular file this process can read.
    static func unreadableReason(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return String(cString: strerror(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { return "not a regular file" }
        guard access(path, R_OK) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }

    static func installedFiles(in dir: String, order: [ModelPackage] = preference) -> [String] {
        let known = order.map { dir + "/" + $0.fileName }.filter { unreadableReason($0) == nil }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        let others = names.sorted().map { dir + "/" + $0 }.filter { $0.hasSuffix(".gguf") && !known.contains($0) && unreadableReason($0) == nil }
        return known + others
    }
}

/// The embedded model's file and which setting chose it.
public struct GGUFLocation: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case flag, environment, modelsFolder

        /// "--gguf", "ASSISTD_GGUF", "the models folder".
        public var description: String {
            switch self {
            case .flag: "--gguf"
            case .environment: "ASSISTD_GGUF"
            case .modelsFolder: "the models folder"
            }
        }
    }

    public let path: String
    public let source: Source
}

/// Why no model file can be used.
public enum GGUFLocatorProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--gguf` or `ASSISTD_GGUF` names a file that cannot be read.
    case unreadable(path: String, source: GGUFLocation.Source, reason: String)
    /// Neither setting is given and the models folder has no `.gguf`.
    case notInstalled(modelsDirectory: String)

    public var description: String {
        switch self {
        case let .unreadable(path, source, reason):
            "the model file \(path) given with \(source.description) cannot be read: \(reason)"
        case let .notInstalled(folder):
            "the embedded model (\(ModelPackage.all.map(\.displayName).joined(separator: " or "))) is not installed in \(folder)"
        }
    }
}
