import Foundation
import JSONCore

// Sample Codable types for the coder tests: synthesized conformances (as most of ours are) and a
// few hand-written ones that use the less common container calls.

enum Colour: String, Codable, Equatable { case red, green, blue = "BLUE" }
enum Priority: Int, Codable, Equatable { case low = 1, high = 9 }

/// Synthesized Codable for enums with payloads: nested keyed containers under the case name.
enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case polygon(sides: Int, label: String?)
    case point
}

struct Leaf: Codable, Equatable {
    var name: String
    var weight: Double
    var note: String?
}

struct Tree: Codable, Equatable {
    var id: Int64
    var colour: Colour
    var priority: Priority
    var leaves: [Leaf]
    var byName: [String: Leaf]
    var counts: [String: Int]
    var maybeCounts: [Int?]
    var grid: [[Int]]
    var shapes: [Shape]
    var parent: Leaf?
    var flags: [String: Bool]?
    var raw: JSONValue
    var small: Int8
    var unsigned: UInt32
    var ratio: Float

    static let sample = Tree(
        id: 42, colour: .blue, priority: .high,
        leaves: [Leaf(name: "a", weight: 1.5, note: nil), Leaf(name: "b\"\\/\n✓", weight: -2, note: "n")],
        byName: ["x": Leaf(name: "x", weight: 0.25, note: "y")],
        counts: ["one": 1, "many": Int.max],
        maybeCounts: [1, nil, 3],
        grid: [[1, 2], [], [3]],
        shapes: [.circle(radius: 2.5), .polygon(sides: 6, label: nil), .polygon(sides: 3, label: "tri"), .point],
        parent: nil,
        flags: ["on": true, "off": false],
        raw: ["k": [1, 2.5, "s", nil, true], "d": .double(0.125)],
        small: -128, unsigned: UInt32.max, ratio: 0.5)
}

/// Writes its members with explicit containers: nested containers filled after creation, and
/// a super encoder (Foundation's way of encoding a superclass's members under "super").
struct ManualLayout: Codable, Equatable {
    var title: String
    var tags: [String]
    var position: (x: Int, y: Int)
    var base: Leaf
    var explicitNull: String?

    enum Keys: String, CodingKey { case title, meta, tags, x, y, explicitNull }

    init(title: String, tags: [String], position: (x: Int, y: Int), base: Leaf, explicitNull: String?) {
        self.title = title
        self.tags = tags
        self.position = position
        self.base = base
        self.explicitNull = explicitNull
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var meta = container.nestedContainer(keyedBy: Keys.self, forKey: .meta)
        var tagList = meta.nestedUnkeyedContainer(forKey: .tags)
        try container.encode(title, forKey: .title)
        try container.encode(explicitNull, forKey: .explicitNull)  // Optional.none written as null
        for tag in tags { try tagList.encode(tag) }
        var point = tagList.nestedContainer(keyedBy: Keys.self)
        try point.encode(position.x, forKey: .x)
        try point.encode(position.y, forKey: .y)
        try base.encode(to: container.superEncoder())
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        title = try container.decode(String.self, forKey: .title)
        explicitNull = try container.decodeNil(forKey: .explicitNull) ? nil : try container.decode(String.self, forKey: .explicitNull)
        let meta = try container.nestedContainer(keyedBy: Keys.self, forKey: .meta)
        var tagList = try meta.nestedUnkeyedContainer(forKey: .tags)
        var tags: [String] = []
        while let count = tagList.count, tagList.currentIndex < count - 1 {
            tags.append(try tagList.decode(String.self))
        }
        self.tags = tags
        let point = try tagList.nestedContainer(keyedBy: Keys.self)
        position = (try point.decode(Int.self, forKey: .x), try point.decode(Int.self, forKey: .y))
        base = try Leaf(from: try container.superDecoder())
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.title == rhs.title && lhs.tags == rhs.tags && lhs.position == rhs.position && lhs.base == rhs.base
            && lhs.explicitNull == rhs.explicitNull
    }

    static let sample = ManualLayout(title: "t", tags: ["a", "b"], position: (3, -4), base: Leaf(name: "base", weight: 7, note: nil), explicitNull: nil)
}

/// A class hierarchy coded the way Foundation's documentation shows: the superclass's members
/// under "super", through superEncoder()/superDecoder().
class Animal: Codable {
    var legs: Int
    init(legs: Int) { self.legs = legs }
}

final class Dog: Animal {
    var name: String
    enum Keys: String, CodingKey { case name }

    init(name: String, legs: Int) {
        self.name = name
        super.init(legs: legs)
    }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        name = try container.decode(String.self, forKey: .name)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(name, forKey: .name)
        try super.encode(to: container.superEncoder())
    }
}

/// Encodes nothing at all.
struct Silent: Codable, Equatable {
    func encode(to encoder: any Encoder) throws {}
    init() {}
    init(from decoder: any Decoder) throws {}
}

/// Foundation-special types, coded with Foundation's default strategies.
struct FoundationTypes: Codable, Equatable {
    var data: Data
    var url: URL
    var date: Date
    var decimal: Decimal
}
