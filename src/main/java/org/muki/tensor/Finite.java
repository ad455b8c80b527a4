package org.muki.tensor;

/** The one scan for NaN and infinity in host values that every numerical-fault check reports from. */
public final class Finite {
    private Finite() {}

    /** Index of the first NaN or infinite value, or -1 when all are finite. */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) return i;
        }
        return -1;
    }
}
