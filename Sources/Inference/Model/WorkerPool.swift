import Foundation
import Synchronization

/// Persistent worker threads for fork/join loops inside one forward pass.
///
/// A forward pass issues ~150 parallel loops per token, so waking threads through
/// the kernel each time would cost more than the work. Workers spin briefly on an
/// epoch counter and only then sleep on a condition; the caller takes part in
/// every loop. Joining is optional: once the caller has taken the last chunk it
/// closes the loop, and a worker that was not scheduled in time skips it instead
/// of holding everyone up (this matters on a busy machine). One loop at a time:
/// the owner (a model) serialises its callers.
final class WorkerPool: @unchecked Sendable {
    let threadCount: Int
    private let epoch = Atomic<Int>(0)
    /// The epoch workers may still join, or -1 once the caller closed it.
    private let openEpoch = Atomic<Int>(-1)
    private let nextChunk = Atomic<Int>(0)
    private let activeWorkers = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)
    private let wake = NSCondition()
    // Written by the caller before publishing a new epoch, read by joined workers.
    private nonisolated(unsafe) var job: ((Int, Int) -> Void)?
    private nonisolated(unsafe) var chunkCount = 0
    private var workerThreads: [Thread] = []
    /// Spin iterations before a worker sleeps (tens of microseconds).
    private let spinLimit = 50_000

    init(threads: Int) {
        threadCount = max(1, threads)
        for index in 1..<threadCount {
            // Workers hold the pool strongly; `shutdown()` ends them and so releases it.
            let t = Thread { self.workerLoop(index: index) }
            t.name = "inference-worker-\(index)"
            t.stackSize = 1 << 20
            workerThreads.append(t)
            t.start()
        }
    }

    /// Ends the worker threads; the pool must not be used afterwards.
    func shutdown() {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        epoch.add(1, ordering: .sequentiallyConsistent)
        wake.lock()
        wake.broadcast()
        wake.unlock()
    }

    /// Runs `body(chunk, worker)` for every chunk in 0..<chunks across the pool and
    /// returns when all are done. `worker` is in 0..<threadCount (for scratch space).
    func parallelFor(_ chunks: Int, _ body: (Int, Int) -> Void) {
        guard chunks > 0 else { return }
        if threadCount == 1 || chunks == 1 {
            for c in 0..<chunks { body(c, 0) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            chunkCount = chunks
            nextChunk.store(0, ordering: .relaxed)
            let e = epoch.load(ordering: .relaxed) + 1
            openEpoch.store(e, ordering: .sequentiallyConsistent)
            epoch.store(e, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wake.lock()
                wake.broadcast()
                wake.unlock()
            }
            runChunks(worker: 0, escaping, chunks)
            // Every chunk is taken: close the loop, then wait only for workers inside it.
            openEpoch.store(-1, ordering: .sequentiallyConsistent)
            var spins = 0
            while activeWorkers.load(ordering: .sequentiallyConsistent) > 0 {
                spins += 1
                if spins > 2000 { sched_yield() }
            }
            job = nil
        }
    }

    private func runChunks(worker: Int, _ body: (Int, Int) -> Void, _ chunks: Int) {
        while true {
            let c = nextChunk.add(1, ordering: .relaxed).oldValue
            if c >= chunks { break }
            body(c, worker)
        }
    }

    private func workerLoop(index: Int) {
        var seen = epoch.load(ordering: .acquiring)
        while true {
            var spins = 0
            var current = epoch.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins > spinLimit {
                    wake.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while epoch.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    wake.unlock()
                    spins = 0
                }
                current = epoch.load(ordering: .acquiring)
            }
            seen = current
            if shuttingDown.load(ordering: .sequentiallyConsistent) { return }
            activeWorkers.add(1, ordering: .sequentiallyConsistent)
            if openEpoch.load(ordering: .sequentiallyConsistent) == current, let body = job {
                runChunks(worker: index, body, chunkCount)
            }
            activeWorkers.subtract(1, ordering: .sequentiallyConsistent)
        }
    }
}
