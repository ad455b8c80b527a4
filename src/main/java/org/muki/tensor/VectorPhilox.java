package org.muki.tensor;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Philox4x32-10 on the Vector API: LANES counter blocks at once, each 32-bit word held
 * zero-extended in a 64-bit lane so that one 64-bit multiply gives both halves of the 32 x 32
 * product. Bit-identical to {@link Philox#block} (tested).
 */
final class VectorPhilox {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    static final int LANES = L.length();
    private static final LongVector LOW = LongVector.broadcast(L, 0xFFFFFFFFL);
    private static final LongVector M0 = LongVector.broadcast(L, 0xD2511F53L);
    private static final LongVector M1 = LongVector.broadcast(L, 0xCD9E8D57L);
    private static final long[] IOTA = new long[LANES];

    static {
        for (int i = 0; i < LANES; i++) IOTA[i] = i;
    }

    private VectorPhilox() {}

    /**
     * The four words of the blocks with counters (firstGroup + j, c1, c2, c3), j < LANES, written
     * word-major: words[w * LANES + j] is word w of block j, as an unsigned 32-bit value.
     */
    static void blocks(long firstGroup, int c1, int c2, int c3, int k0, int k1, long[] words) {
        LongVector x0 = LongVector.fromArray(L, IOTA, 0).add(LongVector.broadcast(L, firstGroup)).and(LOW);
        LongVector x1 = LongVector.broadcast(L, c1 & 0xFFFFFFFFL);
        LongVector x2 = LongVector.broadcast(L, c2 & 0xFFFFFFFFL);
        LongVector x3 = LongVector.broadcast(L, c3 & 0xFFFFFFFFL);
        int key0 = k0, key1 = k1;
        for (int round = 0; round < 10; round++) {
            LongVector p0 = x0.mul(M0), p1 = x2.mul(M1);
            LongVector kv0 = LongVector.broadcast(L, key0 & 0xFFFFFFFFL), kv1 = LongVector.broadcast(L, key1 & 0xFFFFFFFFL);
            LongVector n0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x1).lanewise(VectorOperators.XOR, kv0);
            LongVector n2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, x3).lanewise(VectorOperators.XOR, kv1);
            x1 = p1.and(LOW);
            x3 = p0.and(LOW);
            x0 = n0;
            x2 = n2;
            key0 += 0x9E3779B9;
            key1 += 0xBB67AE85;
        }
        x0.intoArray(words, 0);
        x1.intoArray(words, LANES);
        x2.intoArray(words, 2 * LANES);
        x3.intoArray(words, 3 * LANES);
    }
}
