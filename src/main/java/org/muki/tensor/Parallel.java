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
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads) : null;
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
        List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks);
        for (int from = 0; from < n; from += per) {
            int f = from, t = Math.min(n, from + per);
            tasks.add(ForkJoinTask.adapt(() -> body.run(f, t)));
        }
        pool.invoke(ForkJoinTask.adapt(() -> ForkJoinTask.invokeAll(tasks)));
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdown();
    }
}
