"""An independent PyTorch implementation of Hugging Face's BertForSequenceClassification (plain
torch.nn.functional, no transformers package), a numpy Philox4x32-10 with the dropout coordinates
of org.muki.tensor.Dropout, and a minimal safetensors reader/writer. Used by the tools in this
folder only; never at run time or in the test command.
"""
import json
import math
import struct

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
            elements = np.arange(rows * width, dtype=np.uint64)
            mask = np.stack([keep_scale(mc["seed"], mc["inst"][r], mc["sample"][r], code, elements, mc["p"])
                             for r in range(n)])
            return v * torch.from_numpy(mask).reshape(v.shape)

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
                mask = np.stack([keep_scale(mc["seed"], mc["inst"][r], mc["sample"][r], site(i, 1), elements, mc["pa"])
                                 for r in range(n)])
                probs = probs * torch.from_numpy(mask).reshape(n, heads, t, t)
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


DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "F64": ("<f8", 8), "I64": ("<i8", 8), "I32": ("<i4", 4)}


def write_safetensors(path, tensors, dtype="F32"):
    """Writes tensors as `dtype` (F32, F16, BF16), or each in its own dtype when dtype is None."""
    header, blobs, at = {"__metadata__": {"format": "pt"}}, [], 0
    own = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
           torch.int64: "I64", torch.int32: "I32"}
    for name, t in tensors.items():
        t = t.detach().contiguous()
        kind = dtype or own[t.dtype]
        if kind == "BF16":
            data = t.bfloat16().view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            data = t.to({"F32": torch.float32, "F16": torch.float16, "F64": torch.float64, "I64": torch.int64,
                         "I32": torch.int32}[kind]).numpy().astype(DTYPES[kind][0]).tobytes()
        header[name] = {"dtype": kind, "shape": list(t.shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """name -> float32 torch tensor (BF16 widened exactly; integer buffers kept as integers)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, t = e["data_offsets"]
        raw = data[b:t]
        if e["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[e["dtype"]][0])
            if arr.dtype.kind == "f":
                arr = arr.astype(np.float32)
        out[name] = torch.from_numpy(arr.copy()).reshape(e["shape"])
    return out


def load_model_dir(path):
    """(config dict, weights) of a Hugging Face BERT classifier directory."""
    with open(path + "/config.json") as f:
        cfg = json.load(f)
    w = read_safetensors(path + "/model.safetensors")
    return cfg, {k: v for k, v in w.items() if v.dtype == torch.float32}
