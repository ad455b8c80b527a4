#!/usr/bin/env bash
# Packs what the GPU check needs into .gpu/ (git-ignored, under 64 MiB) for a machine with an
# NVIDIA GPU, no JDK and no network: a jlink'ed Java runtime, the jar with the dependencies the
# OpenCL path uses (no ND4J), the test classes with JUnit's console launcher, and the OpenCL ICD
# loader. Run after `mvn -B -q package -DskipTests && mvn -B -q test-compile`.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
rm -rf "$out" && mkdir -p "$out/lib" "$out/native"
jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.xml,java.sql,java.management,java.naming,jdk.unsupported,jdk.incubator.vector \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/jre"
cp target/muki.jar "$out/lib/"
for jar in target/lib/*.jar; do
  case "$(basename "$jar")" in
    jocl-*|jackson-*|snakeyaml-*|commons-math3-*|slf4j-*|junit-*|opentest4j-*|apiguardian-*) cp "$jar" "$out/lib/" ;;
  esac
done
junit=$(find ~/.m2/repository/org/junit/platform/junit-platform-console-standalone -name '*.jar' | sort | tail -1)
[ -n "$junit" ] || { echo "bundle: run: mvn dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.4" >&2; exit 1; }
cp "$junit" "$out/lib/"
(cd target/test-classes && jar cf "../../$out/lib/muki-tests.jar" .)
cp -L /usr/lib/x86_64-linux-gnu/libOpenCL.so.1 "$out/native/"
du -sh "$out"
