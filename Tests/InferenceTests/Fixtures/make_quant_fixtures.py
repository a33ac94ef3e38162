#!/usr/bin/env python3
"""Writes the block-quantisation fixtures of DequantizeTests and QuantKernelTests: rows
cut from a real Q4_K_M GGUF (Qwen2.5-Coder-0.5B-Instruct) plus seeded random blocks, with
their dequantisation by the `gguf` package's numpy reference (run once by hand; CI only
reads the committed files).

    python3 -m venv /tmp/venv-gguf
    /tmp/venv-gguf/bin/pip install gguf==0.19.0 numpy
    /tmp/venv-gguf/bin/python Tests/InferenceTests/Fixtures/make_quant_fixtures.py MODEL.gguf

Outputs, in quants/ next to this script, for each of Q5_0, Q4_K and Q6_K:
  <type>.blocks  the raw blocks: the real rows first, then the random blocks
  <type>.f32     their dequantisation, little-endian float32
  index.json     per type: the source tensor, its row length, how many real rows
"""
import json, os, sys

import numpy as np
from gguf import GGUFReader, GGMLQuantizationType
from gguf.quants import dequantize

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "quants")

# (type, tensor, real rows, random blocks, block bytes, offsets of f16 scales in a block)
PLAN = [
    (GGMLQuantizationType.Q5_0, "blk.0.ffn_up.weight", 4, 64, 22, [0]),
    (GGMLQuantizationType.Q4_K, "blk.11.ffn_down.weight", 2, 16, 144, [0, 2]),
    (GGMLQuantizationType.Q6_K, "blk.0.ffn_down.weight", 2, 16, 210, [208]),
]


def random_blocks(rng, count, size, scale_offsets):
    blocks = rng.integers(0, 256, size=(count, size), dtype=np.uint8)
    for off in scale_offsets:
        # Finite scales of the magnitudes real files use, both signs.
        scales = (rng.uniform(1e-4, 0.05, size=count) * rng.choice([-1, 1], size=count)).astype(np.float16)
        blocks[:, off:off + 2] = scales.view(np.uint8).reshape(count, 2)
    return blocks


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ASSISTD_GGUF")
    if not model:
        sys.exit("usage: make_quant_fixtures.py MODEL.gguf (a Q4_K_M file with Q5_0, Q4_K and Q6_K tensors)")
    reader = GGUFReader(model)
    tensors = {t.name: t for t in reader.tensors}
    rng = np.random.default_rng(17)
    os.makedirs(OUT, exist_ok=True)
    index = {}
    for qtype, name, rows, extra, size, scale_offsets in PLAN:
        t = tensors[name]
        assert t.tensor_type == qtype, (name, t.tensor_type)
        real = np.asarray(t.data[:rows], dtype=np.uint8).reshape(-1, size)
        blocks = np.concatenate([real, random_blocks(rng, extra, size, scale_offsets)])
        values = dequantize(blocks.reshape(-1), qtype).astype("<f4")
        assert np.all(np.isfinite(values))
        tag = qtype.name
        blocks.tofile(os.path.join(OUT, f"{tag}.blocks"))
        values.tofile(os.path.join(OUT, f"{tag}.f32"))
        index[tag] = {"tensor": name, "row_length": int(t.shape[0]), "real_rows": rows, "random_blocks": extra}
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump({"model": os.path.basename(model), "types": index}, f, indent=2)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
