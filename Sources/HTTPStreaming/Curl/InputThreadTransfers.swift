/// Lets a connection's read thread perform the HTTP calls it starts while it waits for input:
/// its wait for input becomes `curl_multi_poll` over its transfers' sockets and the input, so a
/// call started on it (a read started at once, answered whole with `CurlTransport.fetch`) is
/// sent, waited for and finished there, and the answer costs one wake-up of that thread instead
/// of a hand-off to the transport's thread and back. The input is still read while calls are in
/// flight (a `$/cancelRequest` ends one at once), and nothing polls busily. Streams and calls
/// started elsewhere keep their transport's own thread.
public enum InputThreadTransfers {
    /// Called by the read thread before it reads `input` (the first caller becomes the only
    /// driver): returns once `input` is readable, at once when no call of its is in flight.
    public static func waitUntilReadable(_ input: Int32) {
        CurlMultiLoop.inputThread.drive(untilReadable: input)
    }

    /// Called by the read thread when it stops reading (once its requests were cancelled): drives
    /// its calls until every one has ended.
    public static func finishCalls() {
        CurlMultiLoop.inputThread.drive(untilReadable: nil)
    }
}
