package org.muki.pipeline;

import org.muki.MukiException;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * Where the numbers are computed: a backend (java, java-scalar, nd4j, opencl[:DEVICE]) and the
 * threads it may use.
 */
public record Compute(String backend, int threads) {
    public Compute {
        if (threads < 1) throw new MukiException("threads must be at least 1, got " + threads);
    }

    /** The java backend on every available processor. */
    public static Compute defaults() {
        return new Compute("java", Runtime.getRuntime().availableProcessors());
    }

    /** A new backend instance (close it after use). */
    public Ops open() {
        return Backends.create(backend, threads);
    }
}
