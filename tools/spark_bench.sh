#!/usr/bin/env bash
# Spark local mode against ./muki score on the same teachers, data and options, at two data sizes:
# the marginal rate (passes/s) comes from the difference, the fixed cost from what remains.
#   tools/spark_bench.sh TEACHER_DIR,TEACHER_DIR,... DATA.tsv [N1=160] [N2=480] [K=16] [MAX_LENGTH=64]
# Build first: mvn -B -q install -DskipTests && mvn -B -q -f spark/pom.xml package -DskipTests
# Every Spark output is compared with ./muki score's (header and sorted lines) and must be equal.
set -uo pipefail
cd "$(dirname "$0")/.."
teachers=${1:?usage: tools/spark_bench.sh TEACHERS DATA.tsv [N1] [N2] [K] [MAX_LENGTH]}
data=${2:?usage: tools/spark_bench.sh TEACHERS DATA.tsv [N1] [N2] [K] [MAX_LENGTH]}
n1=${3:-160}; n2=${4:-480}; k=${5:-16}; len=${6:-64}
nt=$(echo "$teachers" | tr ',' '\n' | wc -l)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
grep -m1 "model name" /proc/cpuinfo
declare -A secs
run() { # name n command...
  local name=$1 n=$2; shift 2
  local s e; s=$(date +%s.%N); "$@" > "$work/log" 2>&1 || { echo "$name (n=$n) failed:"; tail -3 "$work/log"; exit 1; }
  e=$(date +%s.%N); secs["$name/$n"]=$(echo "$e - $s" | bc)
}
for n in $n1 $n2; do
  head -$((n + 1)) "$data" > "$work/data-$n.tsv"
  d="$work/data-$n.tsv"
  run "muki t1" $n ./muki score --teachers "$teachers" --data "$d" --out "$work/m1-$n.jsonl" --threads 1 --mc-samples $k --max-length $len
  run "muki t2" $n ./muki score --teachers "$teachers" --data "$d" --out "$work/m2-$n.jsonl" --threads 2 --mc-samples $k --max-length $len
  run "spark local[1] tpt1" $n spark/muki-spark score --master 'local[1]' --threads-per-task 1 --partitions 1 --teachers "$teachers" --data "$d" --out "$work/s11-$n.jsonl" --mc-samples $k --max-length $len
  run "spark local[2] tpt1" $n spark/muki-spark score --master 'local[2]' --threads-per-task 1 --partitions 2 --teachers "$teachers" --data "$d" --out "$work/s21-$n.jsonl" --mc-samples $k --max-length $len
  run "spark local[1] tpt2" $n spark/muki-spark score --master 'local[1]' --threads-per-task 2 --partitions 1 --teachers "$teachers" --data "$d" --out "$work/s12-$n.jsonl" --mc-samples $k --max-length $len
  for f in m2 s11 s21 s12; do
    cmp -s <(head -1 "$work/m1-$n.jsonl") <(head -1 "$work/$f-$n.jsonl") && cmp -s <(tail -n +2 "$work/m1-$n.jsonl" | sort) <(tail -n +2 "$work/$f-$n.jsonl" | sort) \
      || { echo "$f at n=$n differs from ./muki score's file"; exit 1; }
  done
done
passes=$(( (n2 - n1) * nt * (k + 1) ))
echo "| run | $n1 rows | $n2 rows | marginal passes/s | fixed cost |"
echo "|---|---|---|---|---|"
for name in "muki t1" "muki t2" "spark local[1] tpt1" "spark local[2] tpt1" "spark local[1] tpt2"; do
  a=${secs["$name/$n1"]}; b=${secs["$name/$n2"]}
  rate=$(echo "$passes / ($b - $a)" | bc -l); fixed=$(echo "$a - ($b - $a) * $n1 / ($n2 - $n1)" | bc -l)
  printf "| %s | %.1f s | %.1f s | %.0f | %.1f s |\n" "$name" "$a" "$b" "$rate" "$fixed"
done
echo "all Spark outputs equal ./muki score's"
