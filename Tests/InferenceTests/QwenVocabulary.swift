import Foundation
@testable import Inference

/// Qwen2.5-Coder-0.5B-Instruct's tokenizer, read from the GGUF in assistd's models folder (where
/// `assistd model install` puts it) once for every test that needs it. Only the metadata is read,
/// so these tests do not depend on the engine running the model. Missing, the tests fail.
enum QwenVocabulary {
    static let missingMessage = "\(ModelPackage.qwen25Coder.fileName) not found in \(GGUFLocator.modelsDirectory()): "
        + "run `assistd model install` (after swift build: .build/debug/assistd model install)"

    static let path: String? = {
        let path = GGUFLocator.modelsDirectory() + "/" + ModelPackage.qwen25Coder.fileName
        return FileManager.default.isReadableFile(atPath: path) ? path : nil
    }()

    static let loaded: Result<BPETokenizer, Error>? = path.map { path in
        Result { try BPETokenizer(metadata: GGUFFile.metadata(path: path)) }
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String { QwenVocabulary.missingMessage }
    }

    /// Throws (failing the calling test) when the file is missing.
    static func tokenizer() throws -> BPETokenizer {
        guard let loaded else { throw Missing() }
        return try loaded.get()
    }
}
