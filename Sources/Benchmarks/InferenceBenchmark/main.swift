import Foundation
import Inference

// Temporary dev driver; replaced by the benchmark below.
let path = GGUFLocator.find() ?? { fatalError("no model") }()
let t0 = Date()
let model = try LlamaModel.load(path: path, threads: 2)
print("load", Date().timeIntervalSince(t0))
let data = try Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1]))
let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
for case let c as [String: Any] in json["cases"] as! [Any] {
    let prompt = (c["prompt_ids"] as! [Int]).map(Int32.init)
    let expected = (c["output_ids"] as! [Int]).map(Int32.init)
    let tops = c["top_logits"] as! [[[Double]]]
    var out: [Int32] = []
    var maxDiff: Float = 0
    let t1 = Date()
    try model.withSession { s in
        try s.setPrompt(prompt)
        for step in 0..<expected.count {
            let l = s.logits
            var best = 0
            for i in 0..<l.count where l[i] > l[best] { best = i }
            for pair in tops[step] { maxDiff = max(maxDiff, abs(l[Int(pair[0])] - Float(pair[1]))) }
            out.append(Int32(best))
            if best == 2 { break }
            try s.append([Int32(best)])
        }
    }
    try model.withSession { s in
        s.reset()
        for t in prompt { try s.append([t]) }
        let l = s.logits
        print(" step0 one-by-one:", tops[0].map { l[Int($0[0])] }, "fixture:", tops[0].map { $0[1] })
        s.reset()
        try s.append(prompt)
        let l2 = s.logits
        print(" step0 batched:   ", tops[0].map { l2[Int($0[0])] })
    }
    print(out == expected ? "MATCH" : "DIFF", "maxLogitDiff", maxDiff, "time", Date().timeIntervalSince(t1))
    if out != expected { print(" got", out); print(" exp", expected) }
}
