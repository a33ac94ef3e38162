import JSONCore

/// The backend in one phrase for the start-up log line, from its `initialize` description:
/// "backend local, model embedded …, data dir /…/assistd" or "backend dashscope, base URL …".
enum BackendSummary {
    static func describe(_ info: JSONObject) -> String {
        let name = info["name"]?.stringValue ?? "unknown"
        var parts = ["backend \(name)"]
        if let model = info["model"]?.stringValue { parts.append("model \(model)") }
        if let database = info["data_path"]?.stringValue {
            parts.append(database == ":memory:" ? "data dir none (in memory)" : "data dir \(directory(of: database))")
        }
        if let base = info["base_url"]?.stringValue { parts.append("base URL \(base)") }
        return parts.joined(separator: ", ")
    }

    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }
}
