#!/usr/bin/env python3
"""One command for the side-by-side throughput table (issue #6): `./muki bench` for each backend
and tools/torch_bench.py on the same shapes, batch, length, K and thread count, run one after the
other in this one invocation, then the table of sequences/s and ratios (Markdown on stdout, all
numbers as JSON in --json).

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from both sides' environment (this
machine's setting halves OpenBLAS's speed for ND4J and PyTorch alike); glibc's malloc
thresholds are raised for PyTorch (as measured best in the shared notes). Needs the jar
(`mvn -B -q package -DskipTests`) and Debian's python3-torch with libopenblas0-openmp.

A backend name with the suffix "/all-tokens" (java/all-tokens) runs `./muki bench --all-tokens`:
the last layer on every token as PyTorch's BertForSequenceClassification computes it, instead of
the [CLS] rows the classifier reads (the like-for-like column).

Usage: python3 tools/compare_pytorch.py [--shapes tiny,mini,small] [--backends java,java/all-tokens,nd4j]
       [--modes eval,mc] [--threads 2] [--seconds 10] [--warmup 3] [--batch 32] [--seq 128] [--mc-samples 16]
       [--python /usr/bin/python3] [--json bench/compare.json]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(extra or {})
    return env


def muki(shape, backend, mode, a):
    name, _, variant = backend.partition("/")
    if variant not in ("", "all-tokens"):
        sys.exit("unknown backend variant '%s' in '%s' (only /all-tokens)" % (variant, backend))
    cmd = [os.path.join(ROOT, "muki"), "bench", "--shape", shape, "--backend", name, "--mode", mode,
           "--batch", str(a.batch), "--seq", str(a.seq), "--mc-samples", str(a.mc_samples),
           "--threads", str(a.threads), "--seconds", str(a.seconds), "--warmup", str(a.warmup)]
    if variant:
        cmd.append("--all-tokens")
    out = subprocess.run(cmd, env=clean_env(), capture_output=True, text=True)
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if out.returncode != 0 or not last.startswith("sequences/s: "):
        sys.exit("bench failed: %s\n%s%s" % (" ".join(cmd), out.stdout[-2000:], out.stderr[-2000:]))
    return float(last.split()[1])


def torch(shape, a):
    modes = ",".join({"eval": "eval", "mc": "mc-folded,mc-looped"}[m] for m in a.modes.split(","))
    cmd = [a.python, os.path.join(ROOT, "tools", "torch_bench.py"), "--shape", shape, "--modes", modes,
           "--batch", str(a.batch), "--seq", str(a.seq), "--mc-samples", str(a.mc_samples),
           "--threads", str(a.threads), "--seconds", str(a.seconds), "--warmup", str(a.warmup)]
    env = clean_env({"MALLOC_MMAP_THRESHOLD_": "10000000000", "MALLOC_TRIM_THRESHOLD_": "10000000000",
                     "OMP_NUM_THREADS": str(a.threads)})
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("torch_bench failed:\n" + out.stderr[-3000:])
    return {r["mode"]: r["sequences_per_s"] for r in map(json.loads, out.stdout.strip().splitlines())}, \
        json.loads(out.stdout.strip().splitlines()[0])["engine"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default="tiny,mini,small")
    ap.add_argument("--backends", default="java,java/all-tokens,nd4j")
    ap.add_argument("--modes", default="eval,mc")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--mc-samples", type=int, default=16)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    backends = a.backends.split(",")
    rows, engine = [], None
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for shape in a.shapes.split(","):
        ours = {(b, m): muki(shape, b, m, a) for m in a.modes.split(",") for b in backends}
        theirs, engine = torch(shape, a)
        for m in a.modes.split(","):
            # PyTorch's better MC form is the reference: folded or looped, whichever was faster.
            ref = theirs["eval"] if m == "eval" else max(theirs["mc-folded"], theirs["mc-looped"])
            row = {"shape": shape, "mode": m, **{b: ours[(b, m)] for b in backends},
                   "pytorch": ref, "pytorch_folded": theirs["eval"] if m == "eval" else theirs["mc-folded"],
                   "pytorch_looped": theirs.get("mc-looped") if m == "mc" else None}
            rows.append(row)
    print("Side by side on %s, %s, %d threads, batch %d, length %d, K %d, %g s per measurement after %g s of"
          " warm-up, started %s; %s."
          % (platform.node() or "this machine", platform.processor() or platform.machine(), a.threads, a.batch, a.seq,
             a.mc_samples, a.seconds, a.warmup, started, engine))
    print()
    head = ["shape", "mode"] + backends + ["PyTorch (folded)", "PyTorch looped"] + ["%s / PyTorch best" % b for b in backends]
    if "java" in backends and "nd4j" in backends:
        head.append("java / nd4j")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        cells = [r["shape"], r["mode"]] + ["%.1f" % r[b] for b in backends]
        cells += ["%.1f" % r["pytorch_folded"], "%.1f" % r["pytorch_looped"] if r["pytorch_looped"] else "-"]
        cells += ["%.2f" % (r[b] / r["pytorch"]) for b in backends]
        if "java" in backends and "nd4j" in backends:
            cells.append("%.2f" % (r["java"] / r["nd4j"]))
        print("| " + " | ".join(cells) + " |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"started": started, "threads": a.threads, "batch": a.batch, "seq": a.seq, "mc_samples": a.mc_samples,
                       "seconds": a.seconds, "warmup": a.warmup, "pytorch": engine, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
