import Bridge
import Foundation

let options: CommandLineOptions
do {
    options = try CommandLineFlags.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("assistd: \(error.message)\nRun 'assistd --help' for the flags.\n".utf8))
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
