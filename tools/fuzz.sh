#!/usr/bin/env bash
# Long fuzzing campaign, outside the test command: runs the Jazzer fuzz targets for SECONDS each
# (default 300) with a fresh random libFuzzer seed per target, or the seed MUKI_FUZZ_SEED (e.g.
# the pom's muki.fuzz.seed, to follow the test command's fixed-seed run past its 30 s). Findings
# land next to the corpus as src/test/resources/org/muki/fuzz/*Inputs/*/crash-*; fix the fault,
# then rename the file found-* so the suite replays it.
# usage: tools/fuzz.sh [SECONDS] [safetensors|config|tokenizer|dataset|onnx ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors config tokenizer dataset onnx)
mvn -q -B test-compile
status=0
for t in "${targets[@]}"; do
  seed=${MUKI_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
  log=target/fuzz-$t.log
  echo "fuzz-$t: seed $seed, ${seconds}s, log $log"
  # jazzer.internal.arg.0 is argv[0]; later libFuzzer flags override the annotation's 30 s bound
  if mvn -B surefire:test@fuzz-$t -Dmuki.fuzz.seed=$seed \
       -Djazzer.internal.arg.2=-max_total_time=$seconds >"$log" 2>&1; then
    grep -E '^Done [0-9]+ runs' "$log" | tail -1 | sed "s/^/fuzz-$t: /"
  else
    status=1
    echo "fuzz-$t: FINDING or failure, see $log:"
    grep -E 'Test unit written to|Caused by|FuzzTestFinding' "$log" | head -5
  fi
done
exit $status
