/// Accepts exactly the byte strings that are prefixes of JSON texts valid under a
/// SchemaGraph (with at most one space after `{ [ , :`). A value type: copying it
/// snapshots the parse, which the token masker relies on.
struct JSONSchemaMatcher {
    private struct Frame {
        var node: Int32
        var phase: UInt8 = 0
        var spaceUsed = false
        var count: Int32 = 0          // chars / items / key length / digits / literal position
        var last: Int32 = -1          // object: index of the last key written
        var aux: Int32 = 0            // utf8: pending continuations; number: fraction digits
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        var mask: UInt64 = 0          // candidate keys / literals
    }

    private enum Step {
        case accepted
        case acceptedAndClosed
        case push(Int)
        case closedRefeed
        case rejected
    }

    let graph: SchemaGraph
    private var frames: [Frame]
    private(set) var isComplete = false

    init(graph: SchemaGraph) {
        self.graph = graph
        frames = [Frame(node: Int32(graph.root))]
    }

    /// Consumes one byte; false (and the matcher unusable) if it cannot extend a valid prefix.
    mutating func feed(_ b: UInt8) -> Bool {
        if isComplete { return false }
        while let top = frames.last {
            var f = top
            switch step(&f, b) {
            case .accepted:
                frames[frames.count - 1] = f
                return true
            case .acceptedAndClosed:
                frames.removeLast()
                if frames.isEmpty { isComplete = true }
                return true
            case let .push(node):
                frames[frames.count - 1] = f
                guard let child = startFrame(node, b) else { return false }
                frames.append(child)
            case .closedRefeed:
                frames.removeLast()
                if frames.isEmpty { isComplete = true; return false }
            case .rejected:
                return false
            }
        }
        return false
    }

    mutating func feed<S: Sequence>(bytes: S) -> Bool where S.Element == UInt8 {
        for b in bytes where !feed(b) { return false }
        return true
    }

    /// The frame for a value of `node` whose first byte is `b` (unions resolved).
    private func startFrame(_ node: Int, _ b: UInt8) -> Frame? {
        if case let .union(branches) = graph.nodes[node] {
            for br in branches where graph.firstBytes(br).contains(b) { return startFrame(br, b) }
            return nil
        }
        var f = Frame(node: Int32(node))
        if case let .literals(ls) = graph.nodes[node] {
            f.mask = ls.count >= 64 ? ~0 : (UInt64(1) << UInt64(ls.count)) - 1
        }
        return f
    }

    private static let space = UInt8(ascii: " "), quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
    private static let colon = UInt8(ascii: ":"), backslash = UInt8(ascii: "\\")

    private func step(_ f: inout Frame, _ b: UInt8) -> Step {
        switch graph.nodes[Int(f.node)] {
        case let .object(props): return stepObject(&f, b, props)
        case let .freeObject(valueNode): return stepFreeObject(&f, b, valueNode)
        case let .array(item, minItems, maxItems): return stepArray(&f, b, item, minItems, maxItems)
        case let .string(minLength, maxLength): return stepString(&f, b, minLength, maxLength)
        case let .number(integer, negative): return stepNumber(&f, b, integer, negative)
        case let .literals(ls): return stepLiteral(&f, b, ls)
        case .union: return .rejected   // resolved in startFrame
        }
    }

    // MARK: objects with declared properties (keys in declared order)

    /// Keys that may come after `last`: up to and including the next required one.
    private static func candidateMask(_ props: [SchemaGraph.Property], after last: Int32) -> UInt64 {
        var m: UInt64 = 0
        var i = Int(last) + 1
        while i < props.count {
            m |= UInt64(1) << UInt64(i)
            if props[i].required { break }
            i += 1
        }
        return m
    }

    private static func requiredRemains(_ props: [SchemaGraph.Property], after last: Int32) -> Bool {
        props[(Int(last) + 1)...].contains { $0.required }
    }

    private func stepObject(_ f: inout Frame, _ b: UInt8, _ props: [SchemaGraph.Property]) -> Step {
        switch f.phase {
        case 0:
            guard b == UInt8(ascii: "{") else { return .rejected }
            f.phase = 1
            return .accepted
        case 1, 6:  // after '{' or ','
            if b == Self.space && !f.spaceUsed { f.spaceUsed = true; return .accepted }
            if b == Self.quote {
                f.mask = Self.candidateMask(props, after: f.last)
                guard f.mask != 0 else { return .rejected }
                f.phase = 2
                f.count = 0
                return .accepted
            }
            if f.phase == 1 && b == UInt8(ascii: "}") && !Self.requiredRemains(props, after: f.last) { return .acceptedAndClosed }
            return .rejected
        case 2:  // inside a key
            let pos = Int(f.count)
            if b == Self.quote {
                for i in 0..<props.count where f.mask & (UInt64(1) << UInt64(i)) != 0 && props[i].keyBytes.count == pos {
                    f.last = Int32(i)
                    f.phase = 3
                    return .accepted
                }
                return .rejected
            }
            var m: UInt64 = 0
            for i in 0..<props.count where f.mask & (UInt64(1) << UInt64(i)) != 0 {
                let k = props[i].keyBytes
                if pos < k.count && k[pos] == b { m |= UInt64(1) << UInt64(i) }
            }
            guard m != 0 else { return .rejected }
            f.mask = m
            f.count += 1
            return .accepted
        case 3:
            guard b == Self.colon else { return .rejected }
            f.phase = 4
            f.spaceUsed = false
            return .accepted
        case 4:
            if b == Self.space && !f.spaceUsed { f.spaceUsed = true; return .accepted }
            f.phase = 5
            return .push(props[Int(f.last)].node)
        case 5:
            if b == Self.comma && Self.candidateMask(props, after: f.last) != 0 {
                f.phase = 6
                f.spaceUsed = false
                return .accepted
            }
            if b == UInt8(ascii: "}") && !Self.requiredRemains(props, after: f.last) { return .acceptedAndClosed }
            return .rejected
        default:
            return .rejected
        }
    }

    // MARK: free-form objects (keys [A-Za-z0-9_-], bounded count)

    private static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }

    private func stepFreeObject(_ f: inout Frame, _ b: UInt8, _ valueNode: Int) -> Step {
        switch f.phase {
        case 0:
            guard b == UInt8(ascii: "{") else { return .rejected }
            f.phase = 1
            return .accepted
        case 1, 6:
            if b == Self.space && !f.spaceUsed { f.spaceUsed = true; return .accepted }
            if b == Self.quote { f.phase = 2; f.aux = 0; return .accepted }
            if f.phase == 1 && b == UInt8(ascii: "}") { return .acceptedAndClosed }
            return .rejected
        case 2:
            if b == Self.quote && f.aux > 0 { f.phase = 3; return .accepted }
            if Self.isKeyByte(b) && f.aux < SchemaGraph.maxFreeKeyLength { f.aux += 1; return .accepted }
            return .rejected
        case 3:
            guard b == Self.colon else { return .rejected }
            f.phase = 4
            f.spaceUsed = false
            return .accepted
        case 4:
            if b == Self.space && !f.spaceUsed { f.spaceUsed = true; return .accepted }
            f.phase = 5
            f.count += 1
            return .push(valueNode)
        case 5:
            if b == Self.comma && f.count < SchemaGraph.maxFreeKeys { f.phase = 6; f.spaceUsed = false; return .accepted }
            if b == UInt8(ascii: "}") { return .acceptedAndClosed }
            return .rejected
        default:
            return .rejected
        }
    }

    // MARK: arrays

    private func stepArray(_ f: inout Frame, _ b: UInt8, _ item: Int, _ minItems: Int, _ maxItems: Int) -> Step {
        switch f.phase {
        case 0:
            guard b == UInt8(ascii: "[") else { return .rejected }
            f.phase = 1
            return .accepted
        case 1, 3:
            if b == Self.space && !f.spaceUsed { f.spaceUsed = true; return .accepted }
            if f.phase == 1 && b == UInt8(ascii: "]") { return minItems == 0 ? .acceptedAndClosed : .rejected }
            guard Int(f.count) < maxItems else { return .rejected }
            f.count += 1
            f.phase = 2
            return .push(item)
        case 2:
            if b == Self.comma && Int(f.count) < maxItems { f.phase = 3; f.spaceUsed = false; return .accepted }
            if b == UInt8(ascii: "]") && Int(f.count) >= minItems { return .acceptedAndClosed }
            return .rejected
        default:
            return .rejected
        }
    }

    // MARK: strings (no \u escapes; UTF-8 validated; length in code points bounded)

    private func stepString(_ f: inout Frame, _ b: UInt8, _ minLength: Int, _ maxLength: Int) -> Step {
        switch f.phase {
        case 0:
            guard b == Self.quote else { return .rejected }
            f.phase = 1
            return .accepted
        case 1:
            if b == Self.quote { return Int(f.count) >= minLength ? .acceptedAndClosed : .rejected }
            guard Int(f.count) < maxLength, b >= 0x20 else { return .rejected }
            if b == Self.backslash { f.phase = 2; f.count += 1; return .accepted }
            if b < 0x80 { f.count += 1; return .accepted }
            switch b {
            case 0xC2...0xDF: f.aux = 1; f.lo = 0x80; f.hi = 0xBF
            case 0xE0: f.aux = 2; f.lo = 0xA0; f.hi = 0xBF
            case 0xE1...0xEC, 0xEE, 0xEF: f.aux = 2; f.lo = 0x80; f.hi = 0xBF
            case 0xED: f.aux = 2; f.lo = 0x80; f.hi = 0x9F
            case 0xF0: f.aux = 3; f.lo = 0x90; f.hi = 0xBF
            case 0xF1...0xF3: f.aux = 3; f.lo = 0x80; f.hi = 0xBF
            case 0xF4: f.aux = 3; f.lo = 0x80; f.hi = 0x8F
            default: return .rejected
            }
            f.count += 1
            f.phase = 3
            return .accepted
        case 2:
            switch b {
            case Self.quote, Self.backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                f.phase = 1
                return .accepted
            default:
                return .rejected
            }
        case 3:
            guard b >= f.lo && b <= f.hi else { return .rejected }
            f.lo = 0x80
            f.hi = 0xBF
            f.aux -= 1
            if f.aux == 0 { f.phase = 1 }
            return .accepted
        default:
            return .rejected
        }
    }

    // MARK: numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?, digits bounded

    private func stepNumber(_ f: inout Frame, _ b: UInt8, _ integer: Bool, _ negative: Bool) -> Step {
        let isDigit = b >= 0x30 && b <= 0x39
        switch f.phase {
        case 0, 1:
            if f.phase == 0 && b == UInt8(ascii: "-") && negative { f.phase = 1; return .accepted }
            guard isDigit else { return .rejected }
            f.phase = b == 0x30 ? 2 : 3
            f.count = 1
            return .accepted
        case 2, 3:  // complete integer part
            if f.phase == 3 && isDigit && Int(f.count) < SchemaGraph.maxIntegerDigits { f.count += 1; return .accepted }
            if b == UInt8(ascii: ".") && !integer { f.phase = 4; return .accepted }
            return isDigit ? .rejected : .closedRefeed
        case 4:
            guard isDigit else { return .rejected }
            f.phase = 5
            f.aux = 1
            return .accepted
        case 5:
            if isDigit { return Int(f.aux) < SchemaGraph.maxFractionDigits ? { f.aux += 1; return .accepted }() : .rejected }
            return .closedRefeed
        default:
            return .rejected
        }
    }

    // MARK: literal alternatives

    private func stepLiteral(_ f: inout Frame, _ b: UInt8, _ ls: [[UInt8]]) -> Step {
        let pos = Int(f.count)
        var m: UInt64 = 0
        var completeHere = false
        var allEndNext = true
        for i in 0..<min(ls.count, 64) where f.mask & (UInt64(1) << UInt64(i)) != 0 {
            let l = ls[i]
            if l.count == pos { completeHere = true; continue }
            if l[pos] == b {
                m |= UInt64(1) << UInt64(i)
                if l.count != pos + 1 { allEndNext = false }
            }
        }
        if m == 0 { return completeHere ? .closedRefeed : .rejected }
        f.mask = m
        f.count += 1
        return allEndNext ? .acceptedAndClosed : .accepted
    }

    /// Characters left when the innermost value is a string's content (not mid-escape or mid-character).
    func stringContentBudget() -> Int? {
        guard let f = frames.last, f.phase == 1, case let .string(_, maxLength) = graph.nodes[Int(f.node)] else { return nil }
        return maxLength - Int(f.count)
    }

    // MARK: shortest completion

    /// Bytes that close every open value in the fewest characters; feeding them
    /// makes `isComplete` true.
    func minimalCompletion() -> [UInt8] {
        var out: [UInt8] = []
        for f in frames.reversed() { out += completion(of: f) }
        return out
    }

    private func minimalValue(_ node: Int, depth: Int = 0) -> [UInt8] {
        switch graph.nodes[node] {
        case let .object(props):
            var out: [UInt8] = [UInt8(ascii: "{")]
            var first = true
            for p in props where p.required {
                if !first { out.append(Self.comma) }
                first = false
                out += [Self.quote] + p.keyBytes + [Self.quote, Self.colon] + minimalValue(p.node, depth: depth + 1)
            }
            return out + [UInt8(ascii: "}")]
        case .freeObject: return Array("{}".utf8)
        case let .array(item, minItems, _):
            var out: [UInt8] = [UInt8(ascii: "[")]
            for i in 0..<minItems {
                if i > 0 { out.append(Self.comma) }
                out += minimalValue(item, depth: depth + 1)
            }
            return out + [UInt8(ascii: "]")]
        case let .string(minLength, _): return [Self.quote] + [UInt8](repeating: UInt8(ascii: "a"), count: minLength) + [Self.quote]
        case .number: return [UInt8(ascii: "0")]
        case let .literals(ls): return ls.min { $0.count < $1.count } ?? Array("null".utf8)
        case let .union(bs): return bs.map { minimalValue($0, depth: depth + 1) }.min { $0.count < $1.count } ?? Array("null".utf8)
        }
    }

    /// `,"key":value` for every required property after `last`, then `}`.
    private func closeObject(_ props: [SchemaGraph.Property], after last: Int) -> [UInt8] {
        var out: [UInt8] = []
        for i in (last + 1)..<props.count where props[i].required {
            out += [Self.comma, Self.quote] + props[i].keyBytes + [Self.quote, Self.colon] + minimalValue(props[i].node)
        }
        return out + [UInt8(ascii: "}")]
    }

    private func completion(of f: Frame) -> [UInt8] {
        switch graph.nodes[Int(f.node)] {
        case let .object(props):
            switch f.phase {
            case 0: return minimalValue(Int(f.node))
            case 1, 6:
                let hasRequired = Self.requiredRemains(props, after: f.last)
                if f.phase == 1 && !hasRequired { return [UInt8(ascii: "}")] }
                // A key must follow: the next required one, else the next property.
                let target = props.indices.first { $0 > Int(f.last) && props[$0].required } ?? Int(f.last) + 1
                return [Self.quote] + props[target].keyBytes + [Self.quote, Self.colon] + minimalValue(props[target].node) + closeObject(props, after: target)
            case 2:
                let candidates = props.indices.filter { f.mask & (UInt64(1) << UInt64($0)) != 0 }
                let target = candidates.first { props[$0].keyBytes.count >= Int(f.count) } ?? candidates[0]
                return Array(props[target].keyBytes[Int(f.count)...]) + [Self.quote, Self.colon] + minimalValue(props[target].node) + closeObject(props, after: target)
            case 3: return [Self.colon] + minimalValue(props[Int(f.last)].node) + closeObject(props, after: Int(f.last))
            case 4: return minimalValue(props[Int(f.last)].node) + closeObject(props, after: Int(f.last))
            default: return closeObject(props, after: Int(f.last))
            }
        case .freeObject:
            switch f.phase {
            case 0: return Array("{}".utf8)
            case 1: return [UInt8(ascii: "}")]
            case 2: return (f.aux == 0 ? [UInt8(ascii: "a")] : []) + Array("\":null}".utf8)
            case 3: return Array(":null}".utf8)
            case 4: return Array("null}".utf8)
            case 6: return Array("\"a\":null}".utf8)
            default: return [UInt8(ascii: "}")]
            }
        case let .array(item, minItems, _):
            switch f.phase {
            case 0: return minimalValue(Int(f.node))
            case 1:
                var out: [UInt8] = []
                for i in 0..<minItems { if i > 0 { out.append(Self.comma) }; out += minimalValue(item) }
                return out + [UInt8(ascii: "]")]
            case 3:
                var out = minimalValue(item)
                for _ in 0..<max(0, minItems - Int(f.count) - 1) { out += [Self.comma] + minimalValue(item) }
                return out + [UInt8(ascii: "]")]
            default:
                var out: [UInt8] = []
                for _ in 0..<max(0, minItems - Int(f.count)) { out += [Self.comma] + minimalValue(item) }
                return out + [UInt8(ascii: "]")]
            }
        case let .string(minLength, _):
            switch f.phase {
            case 0: return minimalValue(Int(f.node))
            case 2: return [UInt8(ascii: "n")] + [UInt8](repeating: UInt8(ascii: "a"), count: max(0, minLength - Int(f.count))) + [Self.quote]
            case 3:
                var out: [UInt8] = [f.lo]
                for _ in 1..<Int(f.aux) { out.append(0x80) }
                return out + [UInt8](repeating: UInt8(ascii: "a"), count: max(0, minLength - Int(f.count))) + [Self.quote]
            default: return [UInt8](repeating: UInt8(ascii: "a"), count: max(0, minLength - Int(f.count))) + [Self.quote]
            }
        case .number:
            return f.phase == 0 || f.phase == 1 || f.phase == 4 ? [UInt8(ascii: "0")] : []
        case let .literals(ls):
            let pos = Int(f.count)
            let options = ls.indices.filter { f.mask & (UInt64(1) << UInt64($0)) != 0 }.map { ls[$0] }
            let shortest = options.min { $0.count < $1.count } ?? []
            return pos <= shortest.count ? Array(shortest[pos...]) : []
        case .union:
            return minimalValue(Int(f.node))
        }
    }
}
