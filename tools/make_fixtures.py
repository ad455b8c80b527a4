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
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

MASK32 = np.uint64(0xFFFFFFFF)


def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 on numpy uint64 arrays holding 32-bit words."""
    c = [np.asarray(x, dtype=np.uint64) & MASK32 for x in (c0, c1, c2, c3)]
    k0 = np.uint64(k0) & MASK32
    k1 = np.uint64(k1) & MASK32
    m0, m1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
    for _ in range(10):
        p0 = m0 * c[0]
        p1 = m1 * c[2]
        c = [((p1 >> np.uint64(32)) ^ c[1] ^ k0) & MASK32, p1 & MASK32,
             ((p0 >> np.uint64(32)) ^ c[3] ^ k1) & MASK32, p0 & MASK32]
        k0 = (k0 + np.uint64(0x9E3779B9)) & MASK32
        k1 = (k1 + np.uint64(0xBB67AE85)) & MASK32
    return c


def keep_scale(seed, instance, sample, site_code, elements, p):
    """Mask multipliers (0 or 1/(1-p)) for element indices of one batch row."""
    p32 = np.float32(p)
    elements = np.asarray(elements, dtype=np.uint64)
    words = philox4x32(elements >> np.uint64(2), np.full_like(elements, site_code), np.full_like(elements, sample),
                       np.full_like(elements, instance), seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF)
    lane = (elements & np.uint64(3)).astype(np.int64)
    w = np.choose(lane, words)
    thr = np.uint64(math.floor(float(p32) * 4294967296.0))
    scale = np.float32(1.0) / (np.float32(1.0) - p32)
    return np.where(w >= thr, scale, np.float32(0.0)).astype(np.float32)


def site(layer, s):
    return layer * 8 + s


class Reference:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w

    def lin(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def ln(self, x, name):
        return F.layer_norm(x, (x.shape[-1],), self.w[name + ".weight"], self.w[name + ".bias"], self.cfg["layer_norm_eps"])

    def forward(self, ids, types, mask, mc=None, trace=None):
        """ids/types/mask: [N, T] long; mc: None or dict(seed, p, pa, inst, sample) per row."""
        cfg, w = self.cfg, self.w
        n, t = ids.shape
        h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
        dh, maxpos = h // heads, cfg["max_position_embeddings"]
        pos = torch.arange(t)
        x = (w["bert.embeddings.word_embeddings.weight"][ids] + w["bert.embeddings.position_embeddings.weight"][pos][None]
             + w["bert.embeddings.token_type_embeddings.weight"][types])
        x = self.ln(x, "bert.embeddings.LayerNorm")

        def hidden_dropout(v, code):
            if mc is None:
                return v
            rows = v.shape[1] if v.dim() == 3 else 1
            width = v.shape[-1]
            out = v.clone().reshape(n, rows, width)
            elements = np.arange(rows * width, dtype=np.uint64)
            for r in range(n):
                m = keep_scale(mc["seed"], mc["inst"][r], mc["sample"][r], code, elements, mc["p"])
                out[r] = out[r] * torch.from_numpy(m.reshape(rows, width))
            return out.reshape(v.shape)

        if trace is not None:
            trace["embeddings"] = x
        x = hidden_dropout(x, site(0, 0))
        add_mask = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for i in range(cfg["num_hidden_layers"]):
            p = "bert.encoder.layer.%d." % i
            q = self.lin(x, p + "attention.self.query").view(n, t, heads, dh).transpose(1, 2)
            k = self.lin(x, p + "attention.self.key").view(n, t, heads, dh).transpose(1, 2)
            v = self.lin(x, p + "attention.self.value").view(n, t, heads, dh).transpose(1, 2)
            scores = q @ k.transpose(-1, -2) / math.sqrt(dh) + add_mask
            probs = torch.softmax(scores, dim=-1)
            if mc is not None:
                hh, qq, kk = np.meshgrid(np.arange(heads), np.arange(t), np.arange(t), indexing="ij")
                elements = ((hh * maxpos + qq) * maxpos + kk).astype(np.uint64).ravel()
                for r in range(n):
                    m = keep_scale(mc["seed"], mc["inst"][r], mc["sample"][r], site(i, 1), elements, mc["pa"])
                    probs[r] = probs[r] * torch.from_numpy(m.reshape(heads, t, t))
            ctx = (probs @ v).transpose(1, 2).reshape(n, t, h)
            a = hidden_dropout(self.lin(ctx, p + "attention.output.dense"), site(i, 2))
            h1 = self.ln(a + x, p + "attention.output.LayerNorm")
            inter = F.gelu(self.lin(h1, p + "intermediate.dense"))
            o = hidden_dropout(self.lin(inter, p + "output.dense"), site(i, 3))
            x = self.ln(o + h1, p + "output.LayerNorm")
            if trace is not None:
                trace["layer.%d.attention" % i] = h1
                trace["layer.%d.output" % i] = x
        pooled = torch.tanh(self.lin(x[:, 0], "bert.pooler.dense"))
        if trace is not None:
            trace["pooled"] = pooled
        pooled = hidden_dropout(pooled, site(cfg["num_hidden_layers"], 4))
        logits = self.lin(pooled, "classifier")
        if trace is not None:
            trace["logits"] = logits
        return logits


def param_shapes(cfg):
    h, i, c = cfg["hidden_size"], cfg["intermediate_size"], len(cfg["id2label"])
    s = {
        "bert.embeddings.word_embeddings.weight": (cfg["vocab_size"], h),
        "bert.embeddings.position_embeddings.weight": (cfg["max_position_embeddings"], h),
        "bert.embeddings.token_type_embeddings.weight": (cfg["type_vocab_size"], h),
        "bert.embeddings.LayerNorm.weight": (h,), "bert.embeddings.LayerNorm.bias": (h,),
    }
    for l in range(cfg["num_hidden_layers"]):
        p = "bert.encoder.layer.%d." % l
        for name in ("query", "key", "value"):
            s[p + "attention.self.%s.weight" % name] = (h, h)
            s[p + "attention.self.%s.bias" % name] = (h,)
        s[p + "attention.output.dense.weight"] = (h, h)
        s[p + "attention.output.dense.bias"] = (h,)
        s[p + "attention.output.LayerNorm.weight"] = (h,)
        s[p + "attention.output.LayerNorm.bias"] = (h,)
        s[p + "intermediate.dense.weight"] = (i, h)
        s[p + "intermediate.dense.bias"] = (i,)
        s[p + "output.dense.weight"] = (h, i)
        s[p + "output.dense.bias"] = (h,)
        s[p + "output.LayerNorm.weight"] = (h,)
        s[p + "output.LayerNorm.bias"] = (h,)
    s["bert.pooler.dense.weight"] = (h, h)
    s["bert.pooler.dense.bias"] = (h,)
    s["classifier.weight"] = (c, h)
    s["classifier.bias"] = (c,)
    return s


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


def write_safetensors(path, tensors, dtype="F32"):
    header, blobs, at = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if dtype == "F32":
            data = t.float().numpy().astype("<f4").tobytes()
        elif dtype == "F16":
            data = t.half().numpy().astype("<f2").tobytes()
        elif dtype == "BF16":
            data = t.bfloat16().view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raise ValueError(dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


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

    t = max(len(x["input_ids"]) for x in inputs)
    n = len(inputs)
    ids = torch.zeros(n, t, dtype=torch.long)
    types = torch.zeros(n, t, dtype=torch.long)
    mask = torch.zeros(n, t, dtype=torch.long)
    for r, x in enumerate(inputs):
        L = len(x["input_ids"])
        ids[r, :L] = torch.tensor(x["input_ids"])
        types[r, :L] = torch.tensor(x.get("token_type_ids", [0] * L))
        mask[r, :L] = torch.tensor(x.get("attention_mask", [1] * L))
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


if __name__ == "__main__":
    main()
