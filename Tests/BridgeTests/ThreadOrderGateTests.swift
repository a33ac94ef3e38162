@testable import Bridge
import XCTest

final class ThreadOrderGateTests: XCTestCase {
    /// Tasks that start in the reverse of the reservation order still take their turns in it.
    func testTurnsFollowTheReservationOrderNotTheTaskStartOrder() async throws {
        let gate = ThreadOrderGate()
        let places = (0..<50).map { _ in gate.reserve(threadID: "thread_a") }
        let taken = Recorder()
        await withThrowingTaskGroup(of: Void.self) { group in
            for (index, place) in places.enumerated().reversed() {
                group.addTask {
                    try await place.waitForTurn()
                    await taken.append(index)
                    await Task.yield()
                    place.leave()
                }
            }
        }
        let order = await taken.values
        XCTAssertEqual(order, Array(0..<50))
        XCTAssertEqual(gate.busyThreads, [])
    }

    func testACancelledWaiterLeavesTheQueueAndTheNextOneGetsItsTurn() async throws {
        let gate = ThreadOrderGate()
        let first = gate.reserve(threadID: "thread_a")
        let second = gate.reserve(threadID: "thread_a")
        let third = gate.reserve(threadID: "thread_a")
        try await first.waitForTurn()
        let waitingSecond = Task { try await second.waitForTurn() }
        let thirdHadItsTurn = Recorder()
        let waitingThird = Task {
            try await third.waitForTurn()
            await thirdHadItsTurn.append(3)
        }
        waitingSecond.cancel()
        do {
            try await waitingSecond.value
            XCTFail("a cancelled waiter got its turn")
        } catch is CancellationError {}
        try await Task.sleep(for: .milliseconds(50))
        let early = await thirdHadItsTurn.values
        XCTAssertEqual(early, [], "the third place went ahead of the first")
        first.leave()
        try await waitingThird.value
        let late = await thirdHadItsTurn.values
        XCTAssertEqual(late, [3])
        third.leave()
        XCTAssertEqual(gate.busyThreads, [])
    }

    func testOtherThreadsNeverWait() async throws {
        let gate = ThreadOrderGate()
        let holder = gate.reserve(threadID: "thread_a")
        try await holder.waitForTurn()
        let other = gate.reserve(threadID: "thread_b")
        try await other.waitForTurn()
        other.leave()
        XCTAssertEqual(gate.busyThreads, ["thread_a"])
        holder.leave()
        holder.leave()
        XCTAssertEqual(gate.busyThreads, [])
    }

    func testAPlaceCancelledBeforeItsTaskWaitsAnswersCancellation() async throws {
        let gate = ThreadOrderGate()
        let holder = gate.reserve(threadID: "thread_a")
        let place = gate.reserve(threadID: "thread_a")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await place.waitForTurn()
        }
        do {
            try await task.value
            XCTFail("a cancelled task got its turn")
        } catch is CancellationError {}
        holder.leave()
        XCTAssertEqual(gate.busyThreads, [])
    }
}

private actor Recorder {
    private(set) var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}
