import XCTest

final class LocalEngineTestsPlaceholder: XCTestCase {}
