import PackagePlugin

/// Compiles protocol/assistd.openrpc.json into the target as `EmbeddedOpenRPC.text`.
@main
struct EmbedOpenRPC: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let document = context.package.directoryURL.appending(path: "protocol/assistd.openrpc.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedOpenRPC.swift")
        return [
            .buildCommand(
                displayName: "Embedding protocol/assistd.openrpc.json",
                executable: try context.tool(named: "EmbedText").url,
                arguments: [document.path(), output.path(), "EmbeddedOpenRPC"],
                inputFiles: [document], outputFiles: [output]),
        ]
    }
}
