import Foundation

/// What the main thread does once a server has started its own threads: nothing, until the
/// process exits, as `dispatchMain()` leaves it (nothing in assistd runs on the main queue):
/// its signals blocked, so that they go to the other threads, as they did, and asleep. Without
/// `dispatchMain()`'s `pthread_exit`, whose forced unwind read the unwind tables (`.eh_frame_hdr`,
/// `.eh_frame`, libgcc_s) of the whole binary: ~0.6 MB of idle RSS.
enum MainThreadPark {
    static func forever() -> Never {
        var signals = sigset_t()
        sigfillset(&signals)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        while true { pause() }
    }
}
