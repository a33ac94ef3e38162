import Foundation
import Inference

/// Which embedded model file a run would use, why, and whether it loads: what
/// `assistd model status` and `assistd doctor` report.
struct EmbeddedModelCheck {
    let location: Result<GGUFLocation, GGUFLocatorProblem>
    /// nil when there is no file to load.
    let load: Result<LoadedModel, any Error>?

    struct LoadedModel {
        let layers: Int
        let vocabulary: Int
        let seconds: Double
    }

    init(ggufPath: String?, environment: [String: String]) {
        location = GGUFLocator.locate(explicitPath: ggufPath, environment: environment)
        guard case .success(let found) = location else {
            load = nil
            return
        }
        let started = Date()
        load = Result {
            let model = try LlamaModel.load(path: found.path, threads: 1, contextLength: 64)
            return LoadedModel(
                layers: model.config.layerCount, vocabulary: model.config.vocabularySize,
                seconds: Date().timeIntervalSince(started))
        }
    }

    var loads: Bool { (try? load?.get()) != nil }

    /// "the models folder (/…/models)", "--gguf", "ASSISTD_GGUF".
    static func describe(_ source: GGUFLocation.Source, environment: [String: String]) -> String {
        source == .modelsFolder
            ? "the models folder (\(GGUFLocator.modelsDirectory(environment: environment)))" : source.description
    }

    /// "yes (30 layers, vocabulary 49152, 0.08 s)" or "no: …".
    var loadText: String {
        switch load {
        case .success(let model)?:
            "yes (\(model.layers) layers, vocabulary \(model.vocabulary), \(String(format: "%.2f", model.seconds)) s)"
        case .failure(let error)?: "no: \(error)"
        case nil: "no file"
        }
    }
}
