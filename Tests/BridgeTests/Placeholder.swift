import XCTest

final class BridgeTestsPlaceholder: XCTestCase {}
