import AssistdSupport
import AssistantAPI
import Dispatch
import Foundation
import JSONCore
import XCTest

@testable import LocalEngine

/// The effect shell: effects run outside the lock, in transition order, each caller after its
/// own; listeners see one order without gaps; a transition may come from inside an effect or a
/// stream's termination. No storage and no model: the performer only records (and feeds
/// listeners).
final class RunDriverTests: XCTestCase {
    final class Recorder: RunEffectPerformer {
        let performed = Locked<[String]>([])
        /// Runs on the performing thread after each effect.
        let afterEach = Locked<(@Sendable (RunEffect, RunDriver) -> Void)?>(nil)

        func perform(_ effect: RunEffect, for driver: RunDriver) {
            switch effect {
            case .attach(let listener): driver.listeners.attach(listener)
            case .emit(let event): driver.listeners.emit([event])
            case .endListeners: driver.listeners.end()
            default: break
            }
            performed.withLock { $0.append(effect.summary) }
            afterEach.withLock { $0 }?(effect, driver)
        }
    }

    func makeDriver(gate: RunDriver.Gate = .open) -> (RunDriver, Recorder) {
        let recorder = Recorder()
        let machine = RunMachine(newRun: MachineFixture.run(), toolsForModel: [MachineFixture.addTool], maxRounds: 16)
        return (RunDriver(machine: machine, gate: gate, performer: recorder), recorder)
    }

    /// Runs `body` on its own thread; false if it has not returned within `seconds` (a deadlock).
    static func finishes(within seconds: Double = 10, _ body: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread { body(); done.signal() }.start()
        return done.wait(timeout: .now() + seconds) == .success
    }

    func collect(_ events: RunListeners.Events) async throws -> [String] {
        var seen: [String] = []
        for try await event in events.events {
            let text = event.data["delta"]?["content"]?[0]?["text"]?["value"]?.stringValue
            seen.append(text.map { "\(event.event) \($0)" } ?? event.event)
        }
        return seen
    }

    func testEffectsRunWithTheLockReleased() {
        let (driver, recorder) = makeDriver()
        let blocked = Locked(0)
        recorder.afterEach.withLock {
            $0 = { _, driver in
                if !Self.finishes(within: 5, { _ = driver.read { $0.run.status } }) { blocked.withLock { $0 += 1 } }
            }
        }
        _ = driver.open(listen: true) { $0.begin(newThread: nil, refusal: nil, now: 1) }
        XCTAssertEqual(blocked.withLock { $0 }, 0, "another thread could read the state during every effect")
        XCTAssertEqual(recorder.performed.withLock { $0 }.count, 6)
    }

    func testAnEffectMayRunATransitionItself() {
        let (driver, recorder) = makeDriver()
        recorder.afterEach.withLock {
            $0 = { effect, driver in
                if case .startTurn = effect { _ = try? driver.apply { $0.cancel(now: 2) } }
            }
        }
        XCTAssertTrue(Self.finishes { _ = driver.open(listen: false) { $0.begin(newThread: nil, refusal: nil, now: 1) } })
        XCTAssertEqual(recorder.performed.withLock { $0 }.suffix(4), [
            "startTurn", "persist updateRun(cancelling)", "emit thread.run.cancelling", "cancelTurn",
        ])
    }

    func testEveryListenerGetsEveryEventInTransitionOrderWithoutGaps() async throws {
        let (driver, _) = makeDriver()
        let first = try XCTUnwrap(driver.open(listen: true) { $0.begin(newThread: nil, refusal: nil, now: 1) }.events)
        let later = Locked<RunListeners.Events?>(nil)
        DispatchQueue.concurrentPerform(iterations: 4) { writer in
            for index in 0..<50 {
                _ = try? driver.apply { try $0.textDelta("w\(writer)-\(index);", now: 2) }
                if writer == 0, index == 25 {
                    later.withLock { $0 = try? driver.applyListening { _ in [] }.events }
                }
            }
        }
        let reply = driver.read { $0.replyText }
        try driver.apply { $0.endTurn(toolCalls: [], usage: nil, promptTokensEstimate: 1, finish: .stop, now: 3) }

        let seenFirst = try await collect(first)
        let deltas = seenFirst.filter { $0.hasPrefix("thread.message.delta ") }.map { $0.dropFirst("thread.message.delta ".count) }
        XCTAssertEqual(deltas.joined(), reply, "deltas arrive in the order the transitions ran")
        XCTAssertEqual(seenFirst.count, 3 + 4 + 200 + 4 + 1)
        XCTAssertEqual(seenFirst.last, "done")

        let seenLater = try await collect(try XCTUnwrap(later.withLock { $0 }))
        XCTAssertGreaterThan(seenLater.count, 6)
        XCTAssertLessThan(seenLater.count, seenFirst.count)
        XCTAssertEqual(Array(seenFirst.suffix(seenLater.count)), seenLater, "a later listener gets an unbroken tail")
    }

    func testAListenerEndingDuringAnEffectDoesNotBlock() async throws {
        let (driver, recorder) = makeDriver()
        let events = try XCTUnwrap(driver.open(listen: true) { $0.begin(newThread: nil, refusal: nil, now: 1) }.events)
        let consumer = Task { for try await _ in events {} }
        try await Task.sleep(nanoseconds: 50_000_000)  // the consumer waits for the next event
        recorder.afterEach.withLock {
            $0 = { effect, _ in
                if case .emit = effect { consumer.cancel() }  // its termination handler runs here, mid-effect
            }
        }
        XCTAssertTrue(Self.finishes {
            for index in 0..<20 { _ = try? driver.apply { try $0.textDelta("\(index)", now: 2) } }
            _ = try? driver.apply { $0.cancel(now: 3) }
        })
        XCTAssertEqual(driver.listeners.count, 0, "the dropped stream removed itself")
        XCTAssertEqual(driver.read { $0.run.status }, .cancelling)
    }

    func testACallerReturnsOnlyOnceItsOwnEffectsAreDone() throws {
        let (driver, recorder) = makeDriver()
        recorder.afterEach.withLock {
            $0 = { effect, _ in
                if case .startTurn = effect { usleep(300_000) }  // a slow effect on the other thread
            }
        }
        let started = DispatchSemaphore(value: 0)
        Thread {
            started.signal()
            _ = driver.open(listen: false) { $0.begin(newThread: nil, refusal: nil, now: 1) }
        }.start()
        started.wait()
        usleep(100_000)
        let cancelled = try driver.apply { $0.cancel(now: 2) }
        XCTAssertEqual(cancelled.status, .cancelling)
        XCTAssertEqual(recorder.performed.withLock { $0 }.last, "cancelTurn", "performed by the time cancel returned")
    }

    func testATransitionWaitsForANewRunToBeStored() throws {
        let (driver, recorder) = makeDriver(gate: .opening)
        let answer = Locked<Run?>(nil)
        let returned = DispatchSemaphore(value: 0)
        Thread {
            answer.withLock { $0 = try? driver.apply { $0.cancel(now: 2) } }
            returned.signal()
        }.start()
        XCTAssertEqual(returned.wait(timeout: .now() + 0.2), .timedOut, "the cancel waits at the gate")
        XCTAssertEqual(recorder.performed.withLock { $0 }, [])
        _ = driver.open(listen: false) { $0.begin(newThread: nil, refusal: nil, now: 1) }
        XCTAssertEqual(returned.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(answer.withLock { $0 }?.status, .cancelling, "it came after begin, and found the turn running")
        XCTAssertEqual(recorder.performed.withLock { $0 }, [
            "emit thread.run.created", "emit thread.run.queued", "persist updateRun(in_progress)", "emit thread.run.in_progress",
            "startTurn", "persist updateRun(cancelling)", "emit thread.run.cancelling", "cancelTurn",
        ])
    }

    func testARunThatWasNeverStoredIsNotFound() {
        let (driver, _) = makeDriver(gate: .opening)
        let error = Locked<(any Error)?>(nil)
        let returned = DispatchSemaphore(value: 0)
        Thread {
            do { _ = try driver.apply { $0.cancel(now: 2) } } catch let failure { error.withLock { $0 = failure } }
            returned.signal()
        }.start()
        usleep(50_000)
        driver.abandon()
        XCTAssertEqual(returned.wait(timeout: .now() + 10), .success)
        XCTAssertEqual((error.withLock { $0 } as? APIError)?.kind, .notFound)
    }

    func testWaitingListensOnlyToAnUnsettledRun() async throws {
        let (driver, _) = makeDriver()
        _ = driver.open(listen: false) { $0.begin(newThread: nil, refusal: nil, now: 1) }
        let listener = try XCTUnwrap(driver.listenUnlessSettled())
        try driver.apply { $0.endTurn(toolCalls: [MachineFixture.call], usage: nil, promptTokensEstimate: 1, finish: .toolCalls, now: 2) }
        let seen = try await collect(listener)
        XCTAssertEqual(seen.suffix(2), ["thread.run.requires_action", "done"])
        XCTAssertNil(driver.listenUnlessSettled(), "paused: nothing to wait for")
    }
}
