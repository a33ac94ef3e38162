import Bridge
import Foundation

/// `assistd doctor [flags]`: what a run with these flags and this environment would use, and
/// whether it works — for people, and for editors' health checks (Neovim's `:checkhealth`).
/// Exits 1 when something such a run needs is missing.
enum DoctorCommand {
    static func run(_ arguments: [String]) -> Never {
        let options: CommandLineOptions
        do {
            options = try CommandLineFlags.parse(arguments)
        } catch {
            CommandLineFlags.exitWithUsageError(command: "doctor", error.message)
        }
        let findings = Doctor(options: options, environment: ProcessInfo.processInfo.environment).findings()
        for finding in findings {
            Output.out(finding.mark.padding(toLength: 6, withPad: " ", startingAt: 0) + "\(finding.subject): \(finding.text)\n")
        }
        let failed = findings.filter { $0.mark == Doctor.Finding.fail }.map(\.subject)
        if failed.isEmpty {
            Output.out("doctor: a run with these settings has what it needs\n")
            exit(0)
        }
        Output.out("doctor: \(failed.count) problem\(failed.count == 1 ? "" : "s") (\(failed.joined(separator: ", ")))\n")
        exit(1)
    }
}
