#!/usr/bin/env python3
"""Reference fixtures for the Java tests, from an independent PyTorch implementation.

BertForSequenceClassification is written here from torch.nn.functional ops (no transformers
package), with Hugging Face parameter names, and run on small random checkpoints with odd sizes.
The Monte-Carlo reference uses its own numpy Philox4x32-10 with the coordinates documented in
org.muki.tensor.Dropout, so the Java masks are checked against an independent implementation.

Usage: python3 tools/make_fixtures.py [OUT_DIR]   (default src/test/resources/fixtures)
Needs python3-torch and numpy only (Debian: apt-get install python3-torch).
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

from bert_reference import Reference, param_shapes, write_safetensors


def random_weights(cfg, gen):
    w = {}
    for name, shape in param_shapes(cfg).items():
        if name.endswith("LayerNorm.weight"):
            w[name] = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif name.endswith(".bias"):
            w[name] = 0.1 * torch.randn(shape, generator=gen)
        else:
            # Larger than BERT's 0.02 so that logits are O(1) and an absolute tolerance means something.
            fan_in = shape[-1]
            w[name] = torch.randn(shape, generator=gen) * (1.5 / math.sqrt(fan_in) if "embeddings" not in name else 0.5)
    return w


def stored_as(w, dtype):
    """The weights as a reader of `dtype` sees them, back in float32."""
    if dtype == "F16":
        return {k: v.half().float() for k, v in w.items()}
    if dtype == "BF16":
        return {k: v.bfloat16().float() for k, v in w.items()}
    return w



VOCAB = ["[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "##s", "dog",
         "a", "un", "##aff", "##able", "run", "##ning", ",", ".", "!", "?", "'", "is", "was", "big", "small", "red",
         "blue", "and", "or", "not", "it", "##ed", "##ly", "hello", "world", "x", "y"]


def padded(inputs):
    """ids, token types and attention mask of pre-tokenized inputs, padded to the longest."""
    t = max(len(x["input_ids"]) for x in inputs)
    ids = torch.zeros(len(inputs), t, dtype=torch.long)
    types = torch.zeros(len(inputs), t, dtype=torch.long)
    mask = torch.zeros(len(inputs), t, dtype=torch.long)
    for r, x in enumerate(inputs):
        L = len(x["input_ids"])
        ids[r, :L] = torch.tensor(x["input_ids"])
        types[r, :L] = torch.tensor(x.get("token_type_ids", [0] * L))
        mask[r, :L] = torch.tensor(x.get("attention_mask", [1] * L))
    return ids, types, mask


def make(out_dir, name, cfg, dtype, inputs, mc_samples, seed, gen_seed):
    gen = torch.Generator().manual_seed(gen_seed)
    w = random_weights(cfg, gen)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(d, "vocab.txt"), "w") as f:
        f.write("\n".join(VOCAB[:cfg["vocab_size"]]) + "\n")
    write_safetensors(os.path.join(d, "model.safetensors"), w, dtype)
    ref = Reference(cfg, stored_as(w, dtype))

    ids, types, mask = padded(inputs)
    n, t = ids.shape
    with open(os.path.join(d, "input.jsonl"), "w") as f:
        for x in inputs:
            f.write(json.dumps(x) + "\n")
    trace = {}
    with torch.no_grad():
        logits = ref.forward(ids, types, mask, trace=trace)
        k = mc_samples
        rows = torch.arange(n).repeat_interleave(k)
        mc = {"seed": seed, "p": cfg["hidden_dropout_prob"], "pa": cfg["attention_probs_dropout_prob"],
              "inst": [int(r) for r in rows], "sample": [j for _ in range(n) for j in range(k)]}
        mc_logits = ref.forward(ids[rows], types[rows], mask[rows], mc=mc).reshape(n, k, -1)
    with open(os.path.join(d, "expected.jsonl"), "w") as f:
        for r in range(n):
            f.write(json.dumps({"logits": logits[r].tolist(), "mc_logits": mc_logits[r].tolist()}) + "\n")
    meta = {"mc_samples": k, "seed": seed, "padded_length": t}
    with open(os.path.join(d, "expected-meta.json"), "w") as f:
        json.dump(meta, f)
    flat = {key: v.reshape(-1, v.shape[-1]) for key, v in trace.items()}
    write_safetensors(os.path.join(d, "trace.safetensors"), flat)


def make_gradients(out_dir, name, labels, seed):
    """Cross-entropy gradients of every parameter, dropout active with the Philox masks of the
    training forward (instance key = row, sample 0), from PyTorch's autograd."""
    d = os.path.join(out_dir, name)
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    from bert_reference import read_safetensors
    w = {k: v.clone().requires_grad_(True) for k, v in read_safetensors(os.path.join(d, "model.safetensors")).items()}
    inputs = [json.loads(l) for l in open(os.path.join(d, "input.jsonl"))]
    ids, types, mask = padded(inputs)
    n, t = ids.shape
    mc = {"seed": seed, "p": cfg["hidden_dropout_prob"], "pa": cfg["attention_probs_dropout_prob"],
          "inst": list(range(n)), "sample": [0] * n}
    logits = Reference(cfg, w).forward(ids, types, mask, mc=mc)
    loss = F.cross_entropy(logits, torch.tensor(labels))
    loss.backward()
    write_safetensors(os.path.join(d, "gradients.safetensors"), {k: v.grad for k, v in w.items()})
    with open(os.path.join(d, "gradients-meta.json"), "w") as f:
        json.dump({"labels": labels, "seed": seed, "loss": loss.item()}, f)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures"
    base = {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "hidden_act": "gelu",
            "layer_norm_eps": 1e-12, "type_vocab_size": 2, "pad_token_id": 0, "classifier_dropout": None,
            "position_embedding_type": "absolute", "initializer_range": 0.02}
    odd = dict(base, vocab_size=40, hidden_size=36, num_hidden_layers=2, num_attention_heads=3, intermediate_size=50,
               max_position_embeddings=64, hidden_dropout_prob=0.25, attention_probs_dropout_prob=0.2,
               id2label={"0": "neg", "1": "neu", "2": "pos"}, label2id={"neg": 0, "neu": 1, "pos": 2})
    inputs = [
        {"input_ids": [3, 6, 7, 8, 9, 6, 10, 4], "token_type_ids": [0] * 8},
        {"input_ids": [3, 12, 25, 26, 4, 6, 7, 24, 27, 20, 4], "token_type_ids": [0] * 5 + [1] * 6},
        {"input_ids": [3, 4]},
        {"input_ids": [3, 36, 19, 37, 21, 4, 33, 24, 28, 4, 38, 39, 4],
         "token_type_ids": [0] * 6 + [1] * 7, "attention_mask": [1] * 13},
        {"input_ids": [3, 17, 18, 30, 2, 4]},
    ]
    make(out, "odd-f32", odd, "F32", inputs, 3, 1234567890123, 11)
    make(out, "odd-f16", odd, "F16", inputs, 2, 77, 12)
    make(out, "odd-bf16", odd, "BF16", inputs, 2, 78, 13)
    wide = dict(base, vocab_size=40, hidden_size=64, num_hidden_layers=1, num_attention_heads=4, intermediate_size=96,
                max_position_embeddings=130, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
                id2label={"0": "a", "1": "b"}, label2id={"a": 0, "b": 1})
    long_input = [{"input_ids": [3] + [6 + (i * 7) % 30 for i in range(125)] + [4]}, {"input_ids": [3, 4]}]
    make(out, "wide-127", wide, "F32", long_input, 2, 5, 14)
    make_gradients(out, "odd-f32", [0, 2, 1, 1, 2], 31)
    make_gradients(out, "wide-127", [1, 0], 32)


if __name__ == "__main__":
    main()
