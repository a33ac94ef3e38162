import XCTest

final class DashScopeTestsPlaceholder: XCTestCase {}
