package org.muki.tensor;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * A float buffer whose element {@code offset} sits on a 64-byte boundary, so that 512-bit vector
 * loads from it never straddle two cache lines (straddling loads made the GEMM 10-20% slower).
 *
 * <p>Java does not align arrays, but G1 (the default collector on machines with two or more
 * cores) places every humongous object, one of at least half a heap region, at the start of a
 * region, and regions are aligned to their size (1 MiB or more). So a buffer is allocated large
 * enough to be humongous and its data used from the first 64-byte boundary after the array
 * header. Under another collector, or where the region size cannot be read, the buffer is a plain
 * array used from element 0: the same results, only slower loads.
 */
final class AlignedFloats {
    /** Bytes from an array's start to its first element (16 on 64-bit HotSpot with compressed class pointers). */
    private static final int BASE = baseOffset();
    /** Floats that make an array humongous under G1, or 0 when the alignment cannot be had. */
    private static final int HUMONGOUS_FLOATS = humongousFloats();

    final float[] data;
    /** The first element on a 64-byte boundary (0 when alignment is unavailable). */
    final int offset;

    private AlignedFloats(float[] data, int offset) {
        this.data = data;
        this.offset = offset;
    }

    /** Whether buffers from {@link #allocate} are aligned in this JVM. */
    static boolean aligned() {
        return HUMONGOUS_FLOATS > 0;
    }

    /** A buffer of at least n usable floats from offset on. */
    static AlignedFloats allocate(int n) {
        if (HUMONGOUS_FLOATS == 0) return new AlignedFloats(new float[n], 0);
        int offset = ((64 - BASE % 64) % 64) / 4;
        return new AlignedFloats(new float[Math.max(n + offset + 16, HUMONGOUS_FLOATS)], offset);
    }

    /** This buffer when it holds n floats from its offset, else a new one. */
    AlignedFloats atLeast(int n) {
        return data.length - offset >= n ? this : allocate(Math.max(n, (data.length - offset) * 3 / 2));
    }

    private static int baseOffset() {
        try {
            var field = Class.forName("sun.misc.Unsafe").getDeclaredField("ARRAY_FLOAT_BASE_OFFSET");
            return field.getInt(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return 16;
        }
    }

    private static int humongousFloats() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hs == null || !Boolean.parseBoolean(hs.getVMOption("UseG1GC").getValue()) || BASE % 4 != 0) return 0;
            long region = Long.parseLong(hs.getVMOption("G1HeapRegionSize").getValue());
            if (region < (1 << 20) || region > (1L << 30)) return 0;
            return (int) (region / 2 / 4) + 64;
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }
}
