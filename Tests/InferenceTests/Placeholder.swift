import XCTest

final class InferenceTestsPlaceholder: XCTestCase {}
