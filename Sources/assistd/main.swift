import Bridge
import Foundation

// Subcommands come first (`assistd call …`, `assistd demo …`, `assistd doctor`, …); anything else serves on stdio.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "acp":
    AcpCommand.run(Array(arguments.dropFirst()))
case "call":
    CallCommand.run(Array(arguments.dropFirst()))
case "demo":
    DemoCommand.run(Array(arguments.dropFirst()))
case "doctor":
    DoctorCommand.run(Array(arguments.dropFirst()))
case "model":
    ModelCommand.run(Array(arguments.dropFirst()))
case "install":
    InstallCommand.run(Array(arguments.dropFirst()))
default:
    break
}

let options: CommandLineOptions
do {
    options = try CommandLineFlags.parse(arguments)
} catch {
    Output.err("assistd: \(error.message)\nRun 'assistd --help' for the flags.\n")
    exit(2)
}

switch options.action {
case .help:
    print(CommandLineFlags.usage)
case .version:
    print("assistd \(AssistdVersion.current)")
case .serve:
    Server.run(options)
}
