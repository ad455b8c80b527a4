package org.muki.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/** The Java backend's one thread pool: splits an index range into contiguous chunks. */
final class Parallel implements AutoCloseable {
    interface Range {
        void run(int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    Parallel(int threads) {
        this.threads = Math.max(1, threads);
        // The calling thread runs the first chunk itself: the pool holds the other threads - 1.
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads - 1) : null;
    }

    int threads() {
        return threads;
    }

    /** Runs body over [0, n) in at most `threads` chunks whose sizes are multiples of `align`. */
    void range(int n, int align, Range body) {
        int chunks = Math.min(threads, (n + align - 1) / align);
        if (pool == null || chunks <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        int per = ((n + chunks - 1) / chunks + align - 1) / align * align;
        // Chunks after the first go to the pool; the caller runs the first one meanwhile and
        // then waits for the rest. (Handing the whole range to the pool cost three thread
        // wake-ups per call, the caller's among them: measured, 3% of a small GEMM on two
        // threads and 5% of MiniLM's eval on short real texts, bench/RESULTS.md.)
        List<ForkJoinTask<?>> rest = new ArrayList<>(chunks - 1);
        for (int from = per; from < n; from += per) {
            int f = from, t = Math.min(n, from + per);
            rest.add(pool.submit(() -> body.run(f, t)));
        }
        Throwable failure = null;
        try {
            body.run(0, Math.min(n, per));
        } catch (Throwable e) {
            failure = e;
        }
        // Every chunk has finished (or failed) before range returns, whatever happened to the first.
        for (ForkJoinTask<?> task : rest) {
            try {
                task.join();
            } catch (Throwable e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException(failure);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdown();
    }
}
