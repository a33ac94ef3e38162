/// A task executor that runs each job at once on the thread that enqueues it: a request started
/// on the read thread (`RequestRoute.runSerializedAtOnce`) goes on, after each wait, on the thread
/// that ends the wait (the read thread itself, which performs a hosted read's call while it waits
/// for input; else the HTTP transport's), parses and writes its response there, instead of
/// waking a thread of the pool for it. Only for work that is short and never blocks, wherever it
/// resumes; whoever resumes such a task must hold no lock the task may take.
final class ResumingThreadExecutor: TaskExecutor {
    static let shared = ResumingThreadExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        job.runSynchronously(on: asUnownedTaskExecutor())
    }
}
