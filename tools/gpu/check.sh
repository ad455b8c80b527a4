#!/usr/bin/env bash
# The OpenCL backend on a GPU machine with no JDK and no network (issue #5): lists the devices,
# runs the OpenCL tests against the Java backend and the PyTorch fixtures, then times MC sampling
# and eval on the OpenCL backend and PyTorch (CUDA) on the same shapes in the same run.
# Needs .gpu/ from tools/gpu/bundle.sh. Usage: tools/gpu/check.sh [SECONDS_PER_BENCH] [SHAPES]
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-6}
shapes=${2:-tiny mini small base}
b=$PWD/.gpu
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
export LD_LIBRARY_PATH="$b/native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The ICD loader finds drivers through /etc/OpenCL/vendors. Containers often mount NVIDIA's OpenCL
# library without listing it there (the H100 image lists PoCL alone, so the check once timed the CPU):
# give the loader a vendors folder with NVIDIA's library and whatever the system lists.
lib=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1/ {print $NF; exit}')
[ -n "$lib" ] || lib=$(find /usr /lib /opt -name 'libnvidia-opencl.so.1*' 2>/dev/null | head -1)
if [ -n "$lib" ]; then
  mkdir -p "$out/icd" && echo "$lib" > "$out/icd/nvidia.icd"
  cp /etc/OpenCL/vendors/*.icd "$out/icd/" 2>/dev/null
  export OCL_ICD_VENDORS="$out/icd"
fi
java=("$b/jre/bin/java" --add-modules jdk.incubator.vector -Xmx16g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
cp="$b/lib/*"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee "$out/gpu.txt"
"${java[@]}" -cp "$cp" org.muki.cli.Main devices 2>&1 | tee "$out/devices.txt"
# Stop before spending device time on a CPU's numbers.
grep -q 'GPU.*(default for --backend opencl)' "$out/devices.txt" || { echo "check: no OpenCL GPU is the default device" >&2; exit 1; }
"${java[@]}" -Dmuki.test.backends=java,opencl -jar "$b/lib/"junit-platform-console-standalone-*.jar execute \
  --class-path "$b/lib/muki.jar:$b/lib/muki-tests.jar:$(ls "$b"/lib/*.jar | grep -v -E 'muki|console' | paste -sd:)" \
  --select-class org.muki.model.OpenClModelTest --select-class org.muki.model.BertModelFixtureTest \
  --select-class org.muki.model.BertGradientTest --details=summary --disable-banner 2>&1 | tee "$out/tests.txt"
for shape in $shapes; do
  for mode in mc eval; do
    "${java[@]}" -cp "$cp" org.muki.cli.Main bench --backend opencl --shape "$shape" --mode "$mode" \
      --batch 32 --seq 128 --mc-samples 16 --seconds "$seconds" 2>&1 | tail -1 | sed "s/^/opencl $shape $mode /" | tee -a "$out/bench.txt"
  done
  python3 tools/torch_bench.py --device cuda --shape "$shape" --modes eval,mc-folded,mc-looped --seconds "$seconds" \
    2>&1 | tee -a "$out/bench.txt"
done
