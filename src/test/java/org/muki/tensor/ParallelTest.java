package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

/** Parallel.range: every index once, in aligned chunks, and no return (normal or not) before every chunk has finished. */
class ParallelTest {
    @Test
    void coversEveryIndexOnceInAlignedChunks() {
        for (int threads : new int[] {1, 2, 3, 4}) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {0, 1, 11, 12, 13, 100, 1000}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(1, n));
                    ConcurrentLinkedQueue<int[]> chunks = new ConcurrentLinkedQueue<>();
                    p.range(n, 12, (from, to) -> {
                        chunks.add(new int[] {from, to});
                        for (int i = from; i < to; i++) seen.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "threads " + threads + ", n " + n + ", index " + i);
                    assertTrue(chunks.size() <= threads, "threads " + threads + ", n " + n + ": " + chunks.size() + " chunks");
                    for (int[] c : chunks) assertTrue(c[0] % 12 == 0 && (c[1] % 12 == 0 || c[1] == n), "chunk " + c[0] + ".." + c[1]);
                }
            }
        }
    }

    @Test
    void aFailingChunkFailsTheCallAfterEveryChunkHasFinished() {
        try (Parallel p = new Parallel(3)) {
            for (int failing = 0; failing < 3; failing++) {
                int bad = failing;
                AtomicIntegerArray done = new AtomicIntegerArray(3);
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.range(3, 1, (from, to) -> {
                    if (from == bad) throw new IllegalStateException("chunk " + from);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException x) {
                        throw new RuntimeException(x);
                    }
                    done.set(from, 1);
                }));
                assertTrue(e.getMessage().contains("chunk " + bad), e.getMessage());
                for (int c = 0; c < 3; c++) assertEquals(c == bad ? 0 : 1, done.get(c), "failing " + bad + ", chunk " + c);
            }
        }
    }
}
