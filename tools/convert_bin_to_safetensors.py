#!/usr/bin/env python3
"""Converts a legacy pytorch_model.bin (a pickled state dict) into model.safetensors.

Usage: python3 tools/convert_bin_to_safetensors.py MODEL_DIR
Reads MODEL_DIR/pytorch_model.bin and writes MODEL_DIR/model.safetensors, keeping every tensor's
name and dtype (float32, float16, bfloat16, int64 buffers). Needs python3-torch only. The .bin
file is a pickle: convert only files you trust (torch.load is called with weights_only=True
where this torch version supports it).
"""
import os
import sys

import torch

from bert_reference import write_safetensors


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: convert_bin_to_safetensors.py MODEL_DIR")
    src = os.path.join(sys.argv[1], "pytorch_model.bin")
    dst = os.path.join(sys.argv[1], "model.safetensors")
    if not os.path.isfile(src):
        sys.exit("convert: %s: missing" % src)
    if os.path.exists(dst):
        sys.exit("convert: %s exists; remove it first" % dst)
    try:
        state = torch.load(src, map_location="cpu", weights_only=True)
    except TypeError:  # torch < 1.13 has no weights_only
        state = torch.load(src, map_location="cpu")
    if not isinstance(state, dict):
        sys.exit("convert: %s does not hold a state dict" % src)
    tensors = {k: v.clone() for k, v in state.items() if isinstance(v, torch.Tensor)}
    skipped = sorted(set(state) - set(tensors))
    if skipped:
        print("convert: skipping non-tensor entries: %s" % ", ".join(skipped), file=sys.stderr)
    tmp = dst + ".tmp"
    write_safetensors(tmp, tensors, dtype=None)
    os.replace(tmp, dst)
    print("convert: wrote %s (%d tensors)" % (dst, len(tensors)))


if __name__ == "__main__":
    main()
