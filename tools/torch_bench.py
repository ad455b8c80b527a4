#!/usr/bin/env python3
"""PyTorch side of the throughput comparison (tools only; never used at run time or in tests).

A plain-torch BERT with a sequence-classification head (the same layers as Hugging Face's
BertForSequenceClassification: embeddings + LayerNorm, post-LN encoder layers with exact-erf
GELU, tanh pooler, linear classifier) on random weights of the shapes `./muki bench` uses,
timed on the same workloads:

  eval       model.eval(), no_grad, batch B
  mc-folded  model.train() (dropout active), no_grad, the batch repeated K times (B*K rows)
  mc-looped  model.train(), no_grad, K passes over the batch
  train      model.train(), forward, cross-entropy, backward, AdamW step, batch B

One sequence is one input in one pass (one MC sample); prints one JSON object per line.
Usage: python3 tools/torch_bench.py --shape mini --modes eval,mc-folded --threads 2 [--device cuda]
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {  # layers, hidden, heads, intermediate (as org.muki.model.BertConfig.shape)
    "tiny": (2, 128, 2, 512),
    "mini": (4, 256, 4, 1024),
    "small": (4, 512, 8, 2048),
    "minilm": (6, 384, 12, 1536),
    "base": (12, 768, 12, 3072),
}


class Layer(nn.Module):
    def __init__(self, h, a, i, p):
        super().__init__()
        self.heads = a
        self.qkv = nn.ModuleList([nn.Linear(h, h) for _ in range(3)])
        self.attn_out, self.ln1 = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.inter, self.out, self.ln2 = nn.Linear(h, i), nn.Linear(i, h), nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)

    def forward(self, x, mask_add):
        b, t, h = x.shape
        dh = h // self.heads
        q, k, v = (m(x).view(b, t, self.heads, dh).transpose(1, 2) for m in self.qkv)
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh) + mask_add
        probs = self.drop(torch.softmax(scores, dim=-1))
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + self.drop(self.attn_out(ctx)))
        return self.ln2(x + self.drop(self.out(F.gelu(self.inter(x)))))


class Bert(nn.Module):
    def __init__(self, shape, vocab=30522, labels=2, p=0.1):
        super().__init__()
        layers, h, a, i = SHAPES[shape]
        self.words, self.positions, self.types = nn.Embedding(vocab, h), nn.Embedding(512, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.layers = nn.ModuleList([Layer(h, a, i, p) for _ in range(layers)])
        self.pooler, self.classifier = nn.Linear(h, h), nn.Linear(h, labels)

    def forward(self, ids, mask):
        t = ids.shape[1]
        pos = torch.arange(t, device=ids.device)
        x = self.drop(self.ln(self.words(ids) + self.positions(pos)[None] + self.types(torch.zeros_like(ids))))
        mask_add = (1.0 - mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, mask_add)
        return self.classifier(self.drop(torch.tanh(self.pooler(x[:, 0]))))


def openblas_core():
    """The OpenBLAS kernel set PyTorch's BLAS calls run (OpenBLAS picks it by CPU model unless
    OPENBLAS_CORETYPE says), or "-" where the BLAS is not OpenBLAS."""
    import ctypes
    for name in ("libopenblas.so.0", "libopenblaso.so.0", "libopenblasp.so.0"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return "-"


def measure(step, sequences_per_step, seconds, warmup, sync):
    # Warm-up for a time (at least one step), as ./muki bench does for its JIT.
    end = time.perf_counter() + warmup
    step()
    while time.perf_counter() < end:
        step()
    sync()
    start = time.perf_counter()
    passes = 0
    while passes == 0 or time.perf_counter() - start < seconds:
        step()
        passes += 1
    sync()
    return passes * sequences_per_step / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="mini", choices=SHAPES)
    ap.add_argument("--modes", default="eval,mc-folded,mc-looped,train")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--mc-samples", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    model = Bert(a.shape).to(dev)
    ids = torch.randint(0, 30522, (a.batch, a.seq), device=dev)
    mask = torch.ones_like(ids)
    k = a.mc_samples
    folded_ids, folded_mask = ids.repeat_interleave(k, 0), mask.repeat_interleave(k, 0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    labels = torch.zeros(a.batch, dtype=torch.long, device=dev)

    def train_step():
        opt.zero_grad()
        F.cross_entropy(model(ids, mask), labels).backward()
        opt.step()

    for mode in a.modes.split(","):
        if mode == "eval":
            model.eval()
            with torch.no_grad():
                rate = measure(lambda: model(ids, mask), a.batch, a.seconds, a.warmup, sync)
        elif mode == "mc-folded":
            model.train()
            with torch.no_grad():
                rate = measure(lambda: model(folded_ids, folded_mask), a.batch * k, a.seconds, a.warmup, sync)
        elif mode == "mc-looped":
            model.train()
            with torch.no_grad():
                rate = measure(lambda: [model(ids, mask) for _ in range(k)], a.batch * k, a.seconds, a.warmup, sync)
        elif mode == "train":
            model.train()
            rate = measure(train_step, a.batch, a.seconds, a.warmup, sync)
        else:
            raise SystemExit("unknown mode " + mode)
        print(json.dumps({"engine": "pytorch " + torch.__version__, "openblas_core": openblas_core(), "device": a.device, "shape": a.shape,
                          "mode": mode, "batch": a.batch, "seq": a.seq, "mc_samples": k if mode.startswith("mc") else 1,
                          "threads": a.threads, "sequences_per_s": round(rate, 2)}), flush=True)


if __name__ == "__main__":
    main()
