import XCTest

final class AssistantAPITestsPlaceholder: XCTestCase {}
