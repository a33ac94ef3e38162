import Foundation

/// The issue's table: each figure for assistd, its peer or floor, the ratio and the target.
struct Table {
    let samples: Samples
    let options: Options

    private func m(_ name: String) -> Double { samples.median(name) }

    func print() {
        let mb = 1_048_576.0
        let retrieveOverhead = m("retrieve.assistd") - m("retrieve.bare")
        let sdkRetrieveOverhead = m("retrieve.sdk") - m("retrieve.bare")
        let peakOverIdle = (m("stream.assistd.peak") - m("stream.assistd.idle")) / mb
        let rows: [(String, String, String, String, String, Bool)] = [
            ("streamed events/s, \(options.deltas)-delta hosted run, client counts frames",
             format(m("stream.assistd.rate"), "%.0f"),
             "SDK \(format(m("stream.sdk.rate"), "%.0f")); raw body \(format(m("stream.raw.rate"), "%.0f"))",
             ratio(m("stream.assistd.rate"), m("stream.sdk.rate")), "≥ 10× SDK",
             m("stream.assistd.rate") >= 10 * m("stream.sdk.rate")),
            ("CPU per streamed event, µs (all threads)",
             format(m("stream.assistd.cpu"), "%.2f"), "SDK process \(format(m("stream.sdk.cpu"), "%.2f")); raw \(format(m("stream.raw.cpu"), "%.2f"))",
             ratio(m("stream.assistd.cpu"), m("stream.sdk.cpu")), "≤ 2 µs", m("stream.assistd.cpu") <= 2),
            ("threads/retrieve p50 − bare keep-alive GET p50, µs",
             format(retrieveOverhead, "%+.0f"),
             "SDK \(format(sdkRetrieveOverhead, "%+.0f")) (bare p50 \(format(m("retrieve.bare"), "%.0f"))); \(floors("retrieve"))",
             ratio(retrieveOverhead, sdkRetrieveOverhead), "≤ +50 µs", retrieveOverhead <= 50),
            ("spawn → initialize response, ms (hosted; local backend \(format(m("startup.local"), "%.1f")))",
             format(m("startup.hosted"), "%.1f"), "python -c 'import dashscope' \(format(m("startup.sdk"), "%.0f"))",
             ratio(m("startup.hosted"), m("startup.sdk")), "≤ 8 ms", m("startup.hosted") <= 8),
            ("RSS after initialize, idle, MB (local backend \(format(m("rss.local") / mb, "%.1f")))",
             format(m("rss.hosted") / mb, "%.1f"), "Python + SDK \(format(m("rss.sdk") / mb, "%.1f"))",
             ratio(m("rss.hosted"), m("rss.sdk")), "≤ 12 MB", m("rss.hosted") / mb <= 12),
            ("peak RSS relaying that stream, MB",
             format(m("stream.assistd.peak") / mb, "%.1f"), "idle before it \(format(m("stream.assistd.idle") / mb, "%.1f")) (+\(format(peakOverIdle, "%.1f")))",
             "—", "≤ idle + 8 MB", peakOverIdle <= 8),
            ("local runs/s, scripted model, streamed, 64 in flight on one connection",
             format(m("runs.rate"), "%.0f"), "— (\(format(m("runs.cpu"), "%.2f")) ms CPU a run)", "—", "≥ 5,000/s", m("runs.rate") >= 5000),
            ("messages/list page 10,000 of \(options.messages) messages, µs",
             format(m("list.assistd"), "%.0f"), "SQLite's own query \(format(m("list.sqlite"), "%.1f")); \(floors("list"))",
             ratio(m("list.assistd"), m("list.sqlite")), "≤ 60 µs", m("list.assistd") <= 60),
        ]
        let widths = [74, 12, 52, 10, 16]
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { cell, width in cell.count >= width ? cell + " " : cell + String(repeating: " ", count: width - cell.count) }
                .joined() + (cells.count > widths.count ? cells[widths.count] : "")
        }
        say("\nmedians over \(options.rounds) interleaved rounds (figure: assistd; beside it the peer or floor; ratio assistd ÷ peer)")
        say(line(["figure", "assistd", "peer / floor", "ratio", "target", "met"]))
        for row in rows { say(line([row.0, row.1, row.2, row.3, row.4, row.5 ? "yes" : "no"])) }
        if !options.rows.isDisjoint(with: [.list, .retrieve]) {
            say("\nfloors beside the latency rows, request by request in the same rounds (µs, medians): pipe = `cat` echoing the "
                + "request's bytes (the machine's two-process round trip); no-op = assistd answering a request for a method it "
                + "does not have (-32601: its transport alone); CPU = the server's threads during one request, all of them; "
                + "woken = times its threads were put on a CPU")
        }
        if options.rows.contains(.list) { say("  " + costs("messages/list", "list.assistd", "list.noop", "list.pipe")) }
        if !options.localOnly, options.rows.contains(.retrieve) {
            say("  " + costs(
                "threads/retrieve (the no-op on a hosted assistd of its own)", "retrieve.assistd", "retrieve.noop", "retrieve.pipe",
                beyond: ("bare GET", "retrieve.bare")))
        }
        if let baseline = options.baseline {
            say("\nA/B, the local rows run for run (this: \(options.assistd); baseline: \(baseline)):")
            say(String(
                format: "  runs/s %.0f vs %.0f (%.2f×); ms CPU a run %.3f vs %.3f; messages/list µs %.1f vs %.1f (%.2f×)",
                m("runs.rate"), m("baseline.runs.rate"), m("runs.rate") / m("baseline.runs.rate"),
                m("runs.cpu"), m("baseline.runs.cpu"), m("list.assistd"), m("baseline.list.assistd"),
                m("list.assistd") / m("baseline.list.assistd")))
            say(String(
                format: "  messages/list CPU µs a page %.1f vs %.1f, woken %.1f vs %.1f; no-op µs %.1f vs %.1f, CPU %.1f vs %.1f; pipe µs %.1f vs %.1f",
                m("list.assistd.cpu"), m("baseline.list.assistd.cpu"), m("list.assistd.scheduled"), m("baseline.list.assistd.scheduled"),
                m("list.noop"), m("baseline.list.noop"), m("list.noop.cpu"), m("baseline.list.noop.cpu"),
                m("list.pipe"), m("baseline.list.pipe")))
        }
        guard !options.localOnly, !options.rows.isDisjoint(with: [.startup, .retrieve]) else { return }
        say(String(
            format: "\nstart-up CPU to idle (live threads, /proc/PID/task/*/schedstat): hosted %.1f ms, local %.1f ms; retrieve p50: assistd %.0f µs, SDK %.0f µs, bare %.0f µs",
            m("startup.hosted.cpu"), m("startup.local.cpu"), m("retrieve.assistd"), m("retrieve.sdk"), m("retrieve.bare")))
    }

    /// A latency row's floors, for its peer cell: the pipe echo and assistd's no-op round trip.
    private func floors(_ row: String) -> String {
        "pipe \(format(m(row + ".pipe"), "%.0f")), no-op \(format(m(row + ".noop"), "%.0f"))"
    }

    /// A latency row beside its floors, with CPU and wake-ups of each request where measured.
    /// `beyond` names what the request's own work is measured over: the no-op, or (a retrieve,
    /// which waits on HTTP) the bare GET.
    private func costs(_ title: String, _ request: String, _ noop: String, _ pipe: String, beyond: (String, String)? = nil) -> String {
        func cpu(_ name: String) -> String {
            samples.count(name + ".cpu") == 0 ? "" : " (CPU \(format(m(name + ".cpu"), "%.1f")), woken \(format(m(name + ".scheduled"), "%.1f")))"
        }
        let (label, floor) = beyond ?? ("no-op", noop)
        return "\(title): request \(format(m(request), "%.1f"))\(cpu(request)); no-op \(format(m(noop), "%.1f"))\(cpu(noop)); "
            + "pipe \(format(m(pipe), "%.1f")); request − \(label) \(format(m(request) - m(floor), "%+.1f"))"
    }

    private func format(_ value: Double, _ pattern: String) -> String { value.isNaN ? "?" : String(format: pattern, value) }

    private func ratio(_ ours: Double, _ peer: Double) -> String {
        peer == 0 || ours.isNaN || peer.isNaN ? "—" : String(format: "%.2f×", ours / peer)
    }
}
