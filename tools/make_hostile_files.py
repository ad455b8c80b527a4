#!/usr/bin/env python3
"""Writes the committed corpus of hand-made hostile inputs (issue #7) and the fuzzers' seeds.

  src/test/resources/hostile/<kind>/<case>    one broken input per case (kind: safetensors,
                                               checkpoint (a directory), vocab, dataset)
  src/test/resources/hostile/expected.tsv     kind, case, a fragment the refusal must contain
  src/test/resources/org/muki/fuzz/*Inputs/   valid and near-valid seeds for the fuzz tests

Plain Python (struct, json): no torch needed. HostileFilesTest checks every case one by one.
Run from the repository root: python3 tools/make_hostile_files.py
"""
import json
import math
import os
import struct

ROOT = "src/test/resources/hostile"
FUZZ = "src/test/resources/org/muki/fuzz"
VOCAB = open("src/test/resources/fixtures/odd-f32/vocab.txt", encoding="utf-8").read().split("\n")[:-1]
expected = []


def case(kind, name, fragment):
    expected.append((kind, name, fragment))
    path = os.path.join(ROOT, kind, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def safetensors_bytes(entries, data, header_len=None, raw_header=None):
    """entries: name -> dict (written as given), data: the bytes after the header."""
    js = raw_header if raw_header is not None else json.dumps(entries, separators=(",", ":")).encode()
    n = len(js) if header_len is None else header_len
    return struct.pack("<Q", n & 0xFFFFFFFFFFFFFFFF) + js + data


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def tensor(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def write(path, content):
    with open(path, "wb") as f:
        f.write(content)


# ---- safetensors files
two = {"a": tensor("F32", [2], 0, 8), "b": tensor("F32", [1, 2], 8, 16)}
good = safetensors_bytes(two, f32([1, 2, 3, 4]))
write(case("safetensors", "valid.safetensors", "(loads)"), good)
write(case("safetensors", "too-short.safetensors", "too short"), b"\x02\x00\x00")
write(case("safetensors", "header-beyond-file.safetensors", "does not fit the file"),
      safetensors_bytes(two, f32([1, 2, 3, 4]), header_len=10_000_000))
write(case("safetensors", "header-length-huge.safetensors", "does not fit the file"),
      safetensors_bytes(two, f32([1, 2, 3, 4]), header_len=(1 << 63) - 1))
write(case("safetensors", "header-length-negative.safetensors", "does not fit the file"),
      safetensors_bytes(two, f32([1, 2, 3, 4]), header_len=-5))
write(case("safetensors", "malformed-json.safetensors", "malformed JSON"),
      safetensors_bytes(None, b"", raw_header=b'{"a": {"dtype": "F32", '))
write(case("safetensors", "header-not-object.safetensors", "not a JSON object"),
      safetensors_bytes(None, b"", raw_header=b"[1, 2, 3]"))
write(case("safetensors", "header-not-utf8.safetensors", "not valid UTF-8"),
      safetensors_bytes(None, b"", raw_header=b'{"\xff\xfe": 1}'))
write(case("safetensors", "duplicate-names.safetensors", "duplicate"),
      safetensors_bytes(None, f32([1, 2]), raw_header=b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                                      b'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'))
write(case("safetensors", "offsets-out-of-bounds.safetensors", "outside the data"),
      safetensors_bytes({"a": tensor("F32", [2], 0, 8), "b": tensor("F32", [2], 8, 4096)}, f32([1, 2, 3, 4])))
write(case("safetensors", "offsets-reversed.safetensors", "outside the data"),
      safetensors_bytes({"a": tensor("F32", [0], 8, 0)}, f32([1, 2])))
write(case("safetensors", "overlapping.safetensors", "overlaps"),
      safetensors_bytes({"a": tensor("F32", [2], 0, 8), "b": tensor("F32", [2], 4, 12)}, f32([1, 2, 3])))
write(case("safetensors", "gap.safetensors", "gap in the data"),
      safetensors_bytes({"a": tensor("F32", [1], 0, 4), "b": tensor("F32", [1], 8, 12)}, f32([1, 2, 3])))
write(case("safetensors", "trailing-bytes.safetensors", "bytes after the last tensor"),
      safetensors_bytes({"a": tensor("F32", [1], 0, 4)}, f32([1, 2])))
write(case("safetensors", "shape-size-mismatch.safetensors", "bytes for shape"),
      safetensors_bytes({"a": tensor("F32", [3], 0, 8)}, f32([1, 2])))
write(case("safetensors", "unknown-dtype.safetensors", "unknown dtype"),
      safetensors_bytes({"a": tensor("F24", [2], 0, 6)}, b"\x00" * 6))
write(case("safetensors", "negative-shape.safetensors", "not a non-negative integer"),
      safetensors_bytes({"a": tensor("F32", [-2], 0, 8)}, f32([1, 2])))
write(case("safetensors", "fractional-shape.safetensors", "not a non-negative integer"),
      safetensors_bytes({"a": tensor("F32", [1.5], 0, 8)}, f32([1, 2])))
write(case("safetensors", "huge-shape.safetensors", "too large"),
      safetensors_bytes({"a": tensor("F32", [2147483647, 2147483647], 0, 8)}, f32([1, 2])))
write(case("safetensors", "missing-dtype.safetensors", "missing or non-text dtype"),
      safetensors_bytes({"a": {"shape": [1], "data_offsets": [0, 4]}}, f32([1])))
write(case("safetensors", "offsets-not-a-pair.safetensors", "data_offsets must be [begin, end]"),
      safetensors_bytes({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}, f32([1])))
write(case("safetensors", "entry-not-object.safetensors", "is not an object"),
      safetensors_bytes({"a": [0, 4]}, f32([1])))

# ---- checkpoint directories (config.json + model.safetensors + vocab.txt)
CONFIG = {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "hidden_act": "gelu",
          "vocab_size": len(VOCAB), "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
          "intermediate_size": 12, "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
          "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
          "id2label": {"0": "neg", "1": "pos"}, "label2id": {"neg": 0, "pos": 1}}


def shapes(cfg, labels=2):
    h, i = cfg["hidden_size"], cfg["intermediate_size"]
    s = {"bert.embeddings.word_embeddings.weight": [cfg["vocab_size"], h],
         "bert.embeddings.position_embeddings.weight": [cfg["max_position_embeddings"], h],
         "bert.embeddings.token_type_embeddings.weight": [cfg["type_vocab_size"], h],
         "bert.embeddings.LayerNorm.weight": [h], "bert.embeddings.LayerNorm.bias": [h]}
    for l in range(cfg["num_hidden_layers"]):
        p = "bert.encoder.layer.%d." % l
        for n in ("query", "key", "value"):
            s[p + "attention.self.%s.weight" % n], s[p + "attention.self.%s.bias" % n] = [h, h], [h]
        s[p + "attention.output.dense.weight"], s[p + "attention.output.dense.bias"] = [h, h], [h]
        s[p + "attention.output.LayerNorm.weight"], s[p + "attention.output.LayerNorm.bias"] = [h], [h]
        s[p + "intermediate.dense.weight"], s[p + "intermediate.dense.bias"] = [i, h], [i]
        s[p + "output.dense.weight"], s[p + "output.dense.bias"] = [h, i], [h]
        s[p + "output.LayerNorm.weight"], s[p + "output.LayerNorm.bias"] = [h], [h]
    s["bert.pooler.dense.weight"], s["bert.pooler.dense.bias"] = [h, h], [h]
    s["classifier.weight"], s["classifier.bias"] = [labels, h], [labels]
    return s


def weights_file(shape_map, poison=None):
    entries, blobs, at = {"__metadata__": {"format": "pt"}}, [], 0
    for name, shape in shape_map.items():
        n = math.prod(shape)
        values = [((k * 7919 + len(name)) % 97 - 48) / 480.0 for k in range(n)]
        if name.endswith("LayerNorm.weight"):
            values = [1.0] * n
        if poison and name == poison[0]:
            values[poison[1]] = poison[2]
        data = f32(values)
        entries[name] = tensor("F32", shape, at, at + len(data))
        blobs.append(data)
        at += len(data)
    return safetensors_bytes(entries, b"".join(blobs))


def checkpoint(name, fragment, config=CONFIG, weights=None, vocab=VOCAB, config_text=None):
    d = case("checkpoint", name, fragment)
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, "config.json"), config_text if config_text is not None else json.dumps(config, indent=1).encode())
    write(os.path.join(d, "model.safetensors"), weights if weights is not None else weights_file(shapes(CONFIG)))
    write(os.path.join(d, "vocab.txt"), ("\n".join(vocab) + "\n").encode())


def with_config(**changes):
    c = dict(CONFIG)
    for k, v in changes.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


# The unbroken directory every case below changes in one place: it must load.
checkpoint("valid", "(loads)")
checkpoint("config-malformed-json", "malformed JSON", config_text=b'{"model_type": "bert",')
checkpoint("config-not-object", "not a JSON object", config_text=b'"bert"')
checkpoint("config-duplicate-key", "duplicate", config_text=json.dumps(CONFIG)[:-1].encode() + b', "hidden_size": 16}')
checkpoint("config-negative-layers", "num_hidden_layers", with_config(num_hidden_layers=-1))
checkpoint("config-hidden-string", "hidden_size", with_config(hidden_size="eight"))
checkpoint("config-heads-do-not-divide", "not divisible by num_attention_heads", with_config(num_attention_heads=3))
checkpoint("config-model-type", "model_type 'gpt2' is not supported", with_config(model_type="gpt2"))
checkpoint("config-negative-eps", "layer_norm_eps", with_config(layer_norm_eps=-1))
checkpoint("config-vocab-size-differs", "config.json implies [45, 8]", with_config(vocab_size=len(VOCAB) + 5))
checkpoint("config-id2label-differs", "classifier", with_config(id2label={"0": "neg", "1": "neu", "2": "pos"},
                                                                label2id={"neg": 0, "neu": 1, "pos": 2}))
checkpoint("config-id2label-gap", "id2label", with_config(id2label={"0": "neg", "2": "pos"}, label2id={"neg": 0, "pos": 2}))
checkpoint("config-id2label-id-twice", "id2label gives id 1 twice", with_config(id2label={"01": "neg", "1": "pos"}))
checkpoint("config-huge-layer-count", "num_hidden_layers 569284 needs", with_config(num_hidden_layers=569284))
checkpoint("config-dropout-above-one", "hidden_dropout_prob", with_config(hidden_dropout_prob=1.5))
checkpoint("weights-missing-tensor", "bert.pooler.dense.weight",
           weights=weights_file({k: v for k, v in shapes(CONFIG).items() if k != "bert.pooler.dense.weight"}))
checkpoint("weights-wrong-shape", "classifier.weight", weights=weights_file({**shapes(CONFIG), "classifier.weight": [2, 9]}))
checkpoint("weights-nan", "holds NaN at element 5", weights=weights_file(shapes(CONFIG), ("bert.encoder.layer.0.output.dense.weight", 5, float("nan"))))
checkpoint("weights-infinite", "holds Infinity at element 1", weights=weights_file(shapes(CONFIG), ("classifier.bias", 1, float("inf"))))
checkpoint("vocab-shorter-than-config", "vocab", vocab=VOCAB[:-3])

# ---- vocabularies
write(case("vocab", "valid.txt", "(loads)"), ("\n".join(VOCAB) + "\n").encode())
write(case("vocab", "empty.txt", "empty"), b"")
write(case("vocab", "no-unk.txt", "has no [UNK] token"), ("\n".join(t for t in VOCAB if t != "[UNK]") + "\n").encode())
write(case("vocab", "not-utf8.txt", "UTF-8"), ("\n".join(VOCAB[:5]) + "\n").encode() + b"caf\xe9\n")

# ---- datasets
write(case("dataset", "valid.tsv", "(loads)"), b"id\ttext\tlabel\n1\thello\tpos\n2\tworld\tneg\n")
write(case("dataset", "empty.tsv", "empty file"), b"")
write(case("dataset", "header-only.tsv", "no usable rows"), b"id\ttext\tlabel\n")
write(case("dataset", "no-text-column.tsv", "text"), b"id\tsentence\tlabel\n1\thello\tpos\n")
write(case("dataset", "missing-label.tsv", ".tsv:3: missing label"), b"id\ttext\tlabel\n1\thello\tpos\n2\tworld\t\n")
write(case("dataset", "empty-text.tsv", ".tsv:2: missing text"), b"id\ttext\tlabel\n1\t\tpos\n")
write(case("dataset", "duplicate-id.tsv", "duplicate id"), b"id\ttext\tlabel\n1\thello\tpos\n1\tworld\tneg\n")
write(case("dataset", "wrong-field-count.tsv", ".tsv:2: 2 fields, the header has 3"), b"id\ttext\tlabel\n1\thello\n")
write(case("dataset", "not-utf8.tsv", "UTF-8"), b"id\ttext\tlabel\n1\tcaf\xe9\tpos\n")
write(case("dataset", "unterminated-quote.csv", "quote"), b'id,text,label\n1,"hello,pos\n')
write(case("dataset", "unterminated-quote-in-header.csv", ".csv:1: header: quoted field opened at row 1 never closes"),
      b'id,"text,label\n1,a,pos\n')
write(case("dataset", "malformed-line.jsonl", ".jsonl:2: malformed JSON"), b'{"id": "1", "text": "a", "label": "pos"}\n{"id": "2", "text": \n')
write(case("dataset", "not-an-object.jsonl", ".jsonl:1: not a JSON object"), b'["1", "a", "pos"]\n')

with open(os.path.join(ROOT, "expected.tsv"), "w", encoding="utf-8") as f:
    f.write("# kind\tcase\ta fragment the one-line refusal must contain (written by tools/make_hostile_files.py)\n")
    for kind, name, fragment in expected:
        f.write("%s\t%s\t%s\n" % (kind, name, fragment))

# ---- fuzz seeds: valid inputs and a few near misses for the mutators to start from
seeds = {
    "SafeTensorsFuzzTestInputs/readerRefusesOrReads": {
        "two-tensors": good,
        "f16": safetensors_bytes({"h": tensor("F16", [2], 0, 4), "__metadata__": {"format": "pt"}}, b"\x00\x3c\x00\xfc"),
        "bf16-and-i64": safetensors_bytes({"b": tensor("BF16", [1], 0, 2), "i": tensor("I64", [1], 2, 10)}, b"\x80\x3f" + b"\x01" * 8),
        "empty-tensor": safetensors_bytes({"e": tensor("F32", [0, 3], 0, 0)}, b""),
    },
    "CheckpointConfigFuzzTestInputs/loaderRefusesOrLoads": {
        "valid": json.dumps(CONFIG).encode(),
        "three-labels": json.dumps(with_config(id2label={"0": "a", "1": "b", "2": "c"})).encode(),
        "classifier-dropout-null": json.dumps(with_config(classifier_dropout=None)).encode().replace(b"}", b', "classifier_dropout": null}', 1),
    },
    "TokenizerFuzzTestInputs/encodingStaysInVocabularyAndLength": {
        "plain": b"\x00\x20" + "The cat sat on the mat".encode(),
        "accents-cjk": b"\x01\x08" + "Caf\u00e9 \u4e2d\u6587 na\u00efve \U0001F600 [CLS] [SEP]".encode(),
        "controls": b"\x00\x05" + "a\u200bb\u0000c\td\re\u00adf".encode(),
    },
    "DatasetFuzzTestInputs/readerRefusesOrReads": {
        "tsv": b"\x00" + b"id\ttext\tlabel\n1\thello\tpos\n2\tworld\tneg\n",
        "csv": b"\x01" + b'id,text,text_pair,label\n1,"a, quoted ""b""",c,pos\n2,"multi\nline",,neg\n',
        "jsonl": b"\x02" + b'{"id": "1", "text": "a", "label": "pos"}\n{"id": 2, "text": "b", "text_pair": "c"}\n',
    },
}
for sub, files in seeds.items():
    d = os.path.join(FUZZ, sub)
    os.makedirs(d, exist_ok=True)  # the fuzzers' own finds live beside the seeds
    for name, content in files.items():
        write(os.path.join(d, name), content)
print("%d hostile cases, %d seeds" % (len(expected), sum(len(v) for v in seeds.values())))
