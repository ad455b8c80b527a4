#!/usr/bin/env python3
"""Logits of a Hugging Face BERT classifier directory from the independent PyTorch reference.

Usage: python3 tools/reference_predict.py MODEL_DIR INPUT.jsonl
INPUT lines are pre-tokenized: {"input_ids": [...], "token_type_ids": [...], "attention_mask": [...]}.
Prints one {"logits": [...]} line per input, to compare with `./muki predict` on a directory that
muki wrote (the reverse of the committed fixtures).
"""
import json
import sys

import torch

from bert_reference import Reference, load_model_dir


def main():
    cfg, w = load_model_dir(sys.argv[1])
    ref = Reference(cfg, w)
    with open(sys.argv[2]) as f:
        for line in f:
            x = json.loads(line)
            ids = torch.tensor([x["input_ids"]])
            types = torch.tensor([x.get("token_type_ids", [0] * ids.shape[1])])
            mask = torch.tensor([x.get("attention_mask", [1] * ids.shape[1])])
            with torch.no_grad():
                print(json.dumps({"logits": ref.forward(ids, types, mask)[0].tolist()}))


if __name__ == "__main__":
    main()
