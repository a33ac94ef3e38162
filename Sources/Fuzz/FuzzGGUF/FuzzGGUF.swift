// libFuzzer target for Inference's GGUF reader: the input is written to a temporary file and
// opened as a model file, then the model configuration is read from its metadata.
// Invariant: every tensor the reader accepts lies inside the file (checked here with overflow
// checks on: the Inference module is built -Ounchecked, where an overflow would wrap silently),
// and its first and last bytes can be read.
// Build and run: see Tests/Fuzz/README.md. Without ASSISTD_FUZZ this is a tiny main saying so.
import Foundation
import Inference

#if ASSISTD_FUZZ
/// One scratch file for the whole run, rewritten for every input.
private let scratchPath: String = {
    let path = NSTemporaryDirectory() + "fuzz-gguf-\(getpid()).gguf"
    atexit { unlink(NSTemporaryDirectory() + "fuzz-gguf-\(getpid()).gguf") }
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let fd = open(scratchPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { fatalError("cannot write \(scratchPath)") }
    if let data, size > 0 { guard write(fd, data, size) == size else { fatalError("short write to \(scratchPath)") } }
    close(fd)

    guard let file = try? GGUFFile(path: scratchPath) else { return 0 }
    guard file.dataOffset >= 0, file.dataOffset <= file.fileSize || file.tensors.isEmpty else {
        fatalError("data section at \(file.dataOffset) in a \(file.fileSize)-byte file")
    }
    for tensor in file.tensors {
        let (end, overflow) = file.dataOffset.addingReportingOverflow(tensor.offset)
        let (last, overflow2) = end.addingReportingOverflow(tensor.byteCount)
        guard tensor.offset >= 0, tensor.byteCount > 0, !overflow, !overflow2, last <= file.fileSize else {
            fatalError("tensor '\(tensor.name)' (offset \(tensor.offset), \(tensor.byteCount) bytes) lies outside the \(file.fileSize)-byte file")
        }
        let bytes = file.data(for: tensor)
        _ = bytes.load(as: UInt8.self) &+ bytes.load(fromByteOffset: tensor.byteCount - 1, as: UInt8.self)
    }
    _ = try? LlamaConfig(gguf: file)
    return 0
}
#else
@main
enum FuzzGGUFUsage {
    static func main() { print("FuzzGGUF is a libFuzzer target: build and run it with Tests/Fuzz/fuzz.sh (Tests/Fuzz/README.md).") }
}
#endif
