package org.muki;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.SplittableRandom;

/** Shared helpers: fixtures, random data, and tolerance checks that report the worst element. */
public final class TestSupport {
    private TestSupport() {}

    /**
     * The backends the model-level tests run on: all of them, unless the system property
     * muki.test.backends names a subset (tools/gpu/check.sh carries no ND4J to the GPU machine).
     */
    public static java.util.List<String> backends() {
        return java.util.List.of(System.getProperty("muki.test.backends", "java,java-scalar,nd4j,opencl").split(","));
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
