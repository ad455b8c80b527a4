package org.muki.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Philox4x32-10 on the Vector API: BLOCKS counter blocks at once, each 32-bit word held
 * zero-extended in a 64-bit lane so that one 64-bit multiply gives both halves of the 32 x 32
 * product. Bit-identical to {@link Philox#block} (tested through {@link Dropout#fill}).
 */
final class VectorPhilox {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    static final int LANES = L.length();
    private static final LongVector LOW = LongVector.broadcast(L, 0xFFFFFFFFL);
    private static final LongVector M0 = LongVector.broadcast(L, 0xD2511F53L);
    private static final LongVector M1 = LongVector.broadcast(L, 0xCD9E8D57L);
    private static final long[] IOTA = new long[LANES];
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * On float lanes (two per long lane): pair p of the output, float lanes 2p and 2p + 1, takes
     * pair p / 2 of the first half (or the second half) of a vector; SECOND_OF_PAIRS marks the odd
     * pairs, which come from the other vector. One-vector shuffles and a blend: JDK 17's
     * two-vector rearrange took 1.33 ns per mask element against 1.04-1.08 for these.
     */
    private static final VectorShuffle<Float> SPREAD_FIRST_HALF = spread(0), SPREAD_SECOND_HALF = spread(LANES / 2);
    private static final VectorMask<Float> SECOND_OF_PAIRS = VectorMask.fromLong(F, 0xCCCCCCCCCCCCCCCCL);

    static {
        for (int i = 0; i < LANES; i++) IOTA[i] = i;
    }

    private static VectorShuffle<Float> spread(int fromPair) {
        int[] source = new int[2 * LANES];
        for (int j = 0; j < 2 * LANES; j++) source[j] = 2 * (fromPair + j / 4) + j % 2;
        return VectorShuffle.fromArray(F, source, 0);
    }

    private VectorPhilox() {}

    /** Counter blocks per {@link #masks} call: two independent chains of LANES blocks. */
    static final int BLOCKS = 2 * LANES;

    /**
     * The dropout multipliers of elements 4 * firstGroup ... 4 * (firstGroup + BLOCKS) - 1 into
     * out[off ...], in element order: element 4j + w is scale where word w of the block with
     * counter (firstGroup + j, c1, c2, c3) is at least threshold (unsigned), else 0. The blocks
     * run as two interleaved chains (x: the first LANES, y: the next): one chain's ten dependent
     * rounds left the multiplier idle (27% slower per element).
     */
    static void masks(long firstGroup, int c1, int c2, int c3, int k0, int k1, long threshold, float scale,
                      float[] out, int off) {
        LongVector iota = LongVector.fromArray(L, IOTA, 0);
        LongVector x0 = iota.add(LongVector.broadcast(L, firstGroup)).and(LOW);
        LongVector y0 = iota.add(LongVector.broadcast(L, firstGroup + LANES)).and(LOW);
        LongVector x1 = LongVector.broadcast(L, c1 & 0xFFFFFFFFL), y1 = x1;
        LongVector x2 = LongVector.broadcast(L, c2 & 0xFFFFFFFFL), y2 = x2;
        LongVector x3 = LongVector.broadcast(L, c3 & 0xFFFFFFFFL), y3 = x3;
        int key0 = k0, key1 = k1;
        for (int round = 0; round < 10; round++) {
            LongVector kv0 = LongVector.broadcast(L, key0 & 0xFFFFFFFFL), kv1 = LongVector.broadcast(L, key1 & 0xFFFFFFFFL);
            LongVector px0 = x0.mul(M0), px2 = x2.mul(M1), py0 = y0.mul(M0), py2 = y2.mul(M1);
            LongVector nx0 = px2.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x1).lanewise(VectorOperators.XOR, kv0);
            LongVector nx2 = px0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x3).lanewise(VectorOperators.XOR, kv1);
            LongVector ny0 = py2.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, y1).lanewise(VectorOperators.XOR, kv0);
            LongVector ny2 = py0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, y3).lanewise(VectorOperators.XOR, kv1);
            x1 = px2.and(LOW);
            x3 = px0.and(LOW);
            x0 = nx0;
            x2 = nx2;
            y1 = py2.and(LOW);
            y3 = py0.and(LOW);
            y0 = ny0;
            y2 = ny2;
            key0 += 0x9E3779B9;
            key1 += 0xBB67AE85;
        }
        // Words to multipliers (a float's bits in the low half of a lane), then words 0 and 1 of a
        // block into one lane and 2 and 3 into another, and the two vectors zipped lane by lane:
        // read as floats, that is element order. All in lanes: the scalar interleave this replaced
        // took 70% of the fill.
        LongVector thr = LongVector.broadcast(L, threshold);
        LongVector keep = LongVector.broadcast(L, Float.floatToRawIntBits(scale) & 0xFFFFFFFFL);
        LongVector zero = LongVector.zero(L);
        LongVector x01 = zero.blend(keep, x0.compare(VectorOperators.GE, thr))
                .or(zero.blend(keep, x1.compare(VectorOperators.GE, thr)).lanewise(VectorOperators.LSHL, 32));
        LongVector x23 = zero.blend(keep, x2.compare(VectorOperators.GE, thr))
                .or(zero.blend(keep, x3.compare(VectorOperators.GE, thr)).lanewise(VectorOperators.LSHL, 32));
        LongVector y01 = zero.blend(keep, y0.compare(VectorOperators.GE, thr))
                .or(zero.blend(keep, y1.compare(VectorOperators.GE, thr)).lanewise(VectorOperators.LSHL, 32));
        LongVector y23 = zero.blend(keep, y2.compare(VectorOperators.GE, thr))
                .or(zero.blend(keep, y3.compare(VectorOperators.GE, thr)).lanewise(VectorOperators.LSHL, 32));
        FloatVector fx01 = x01.reinterpretAsFloats(), fx23 = x23.reinterpretAsFloats();
        FloatVector fy01 = y01.reinterpretAsFloats(), fy23 = y23.reinterpretAsFloats();
        fx01.rearrange(SPREAD_FIRST_HALF).blend(fx23.rearrange(SPREAD_FIRST_HALF), SECOND_OF_PAIRS).intoArray(out, off);
        fx01.rearrange(SPREAD_SECOND_HALF).blend(fx23.rearrange(SPREAD_SECOND_HALF), SECOND_OF_PAIRS)
                .intoArray(out, off + 2 * LANES);
        fy01.rearrange(SPREAD_FIRST_HALF).blend(fy23.rearrange(SPREAD_FIRST_HALF), SECOND_OF_PAIRS)
                .intoArray(out, off + 4 * LANES);
        fy01.rearrange(SPREAD_SECOND_HALF).blend(fy23.rearrange(SPREAD_SECOND_HALF), SECOND_OF_PAIRS)
                .intoArray(out, off + 6 * LANES);
    }
}
