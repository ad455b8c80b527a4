package org.muki;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Shared helpers: fixtures, random data, tolerance checks that report the worst element, and a child process with a time limit. */
public final class TestSupport {
    private TestSupport() {}

    /**
     * The backends the model-level tests run on: all of them, unless the system property
     * muki.test.backends names a subset (tools/gpu/check.sh carries no ND4J to the GPU machine).
     */
    public static java.util.List<String> backends() {
        return java.util.List.of(System.getProperty("muki.test.backends", "java,java-scalar,nd4j,opencl").split(","));
    }

    /** What a child process did: its exit code, its stdout, and its stderr's lines. */
    public record Result(int code, String out, List<String> errLines) {}

    /**
     * Runs a command with the environment additions and these bytes on stdin, its stdout and
     * stderr written to files (so that neither pipe can fill and block it), and kills it when it
     * has not finished in 120 s. stderr's lines come back without blank lines and the JDK's
     * incubator notice.
     */
    public static Result run(List<String> cmd, Map<String, String> env, byte[] stdin) throws IOException, InterruptedException {
        Path outFile = Files.createTempFile("muki-cli-out", ".txt"), errFile = Files.createTempFile("muki-cli-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(outFile.toFile()).redirectError(errFile.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            }
            boolean finished = p.waitFor(120, TimeUnit.SECONDS);
            if (!finished) p.destroyForcibly().waitFor();
            assertTrue(finished, "did not finish in 120 s: " + String.join(" ", cmd));
            List<String> errLines = new ArrayList<>();
            for (String l : Files.readString(errFile, StandardCharsets.UTF_8).split("\n")) {
                if (!l.isBlank() && !l.startsWith("WARNING: Using incubator modules")) errLines.add(l);
            }
            return new Result(p.exitValue(), Files.readString(outFile, StandardCharsets.UTF_8), errLines);
        } finally {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        }
    }

    public static Path resource(String name) {
        return Path.of("src/test/resources", name);
    }

    public static Path fixture(String name) {
        return Path.of("src/test/resources/fixtures", name);
    }

    public static float[] random(int n, long seed, float scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return v;
    }

    /** Fails with the worst index when any |actual - expected| > tol. */
    public static void assertClose(float[] expected, float[] actual, double tol, String what) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
        double worst = -1;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        if (!(worst <= tol)) {
            fail(what + ": max |diff| " + worst + " > " + tol + " at " + at + " (expected " + expected[at] + ", got " + actual[at] + ")");
        }
    }
}
