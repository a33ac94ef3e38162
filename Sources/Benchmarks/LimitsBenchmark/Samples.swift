/// Every repetition's figure under a name; the table quotes medians.
final class Samples {
    private var values: [String: [Double]] = [:]

    func add(_ name: String, _ value: Double) { values[name, default: []].append(value) }
    func add(_ name: String, _ more: [Double]) { values[name, default: []] += more }

    func median(_ name: String) -> Double {
        let sorted = (values[name] ?? []).sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    func count(_ name: String) -> Int { values[name]?.count ?? 0 }
}
