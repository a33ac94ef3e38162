/// The coding keys the JSONValue coders make up themselves, spelled as Foundation's JSON coders
/// spell them in `codingPath`s: an array position ("Index 3", intValue 3) and "super".
struct JSONIndexCodingKey: CodingKey {
    let index: Int

    init(index: Int) { self.index = index }
    init?(intValue: Int) { index = intValue }
    init?(stringValue: String) { nil }

    // Computed on demand: paths are only spelled out for errors, so decoding an array of
    // objects does not format a string per element.
    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
}

struct JSONSuperCodingKey: CodingKey {
    init() {}
    init?(intValue: Int) { nil }
    init?(stringValue: String) {
        guard stringValue == "super" else { return nil }
    }

    var stringValue: String { "super" }
    var intValue: Int? { nil }
}

/// A link in a coder's path: the coder it was made from and the key that led to it. Paths are
/// stored as chains so that going one level deeper costs nothing until an error needs the path.
protocol JSONCodingPathLink: AnyObject {
    var parentLink: (any JSONCodingPathLink)? { get }
    var keyFromParent: (any CodingKey)? { get }
}

extension JSONCodingPathLink {
    var linkedCodingPath: [any CodingKey] {
        var reversedPath: [any CodingKey] = []
        var link: (any JSONCodingPathLink)? = self
        while let current = link, let key = current.keyFromParent {
            reversedPath.append(key)
            link = current.parentLink
        }
        return reversedPath.reversed()
    }

    func linkedCodingPath(appending key: (any CodingKey)?) -> [any CodingKey] {
        guard let key else { return linkedCodingPath }
        return linkedCodingPath + [key]
    }
}
