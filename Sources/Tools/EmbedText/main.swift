import Foundation

// EmbedText INPUT OUTPUT NAME: writes OUTPUT, a Swift file declaring `enum NAME { static let text }`
// holding INPUT's text as a raw string literal.
let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: EmbedText INPUT OUTPUT NAME\n".utf8))
    exit(2)
}
let text = try String(contentsOfFile: arguments[1], encoding: .utf8)
// A raw string's delimiter needs more `#`s than any run in the text.
var longestRun = 0
var run = 0
for character in text {
    run = character == "#" ? run + 1 : 0
    longestRun = max(longestRun, run)
}
let hashes = String(repeating: "#", count: longestRun + 1)
let source = """
    // Generated at build time from \((arguments[1] as NSString).lastPathComponent). Do not edit.
    enum \(arguments[3]) {
        static let text = \(hashes)\"\"\"
    \(text)
    \"\"\"\(hashes)
    }

    """
try source.write(toFile: arguments[2], atomically: true, encoding: .utf8)
