import XCTest

final class JSONRPCTestsPlaceholder: XCTestCase {}
