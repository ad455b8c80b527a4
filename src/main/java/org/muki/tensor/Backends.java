package org.muki.tensor;

import org.muki.MukiException;

/** The one switch that chooses a backend by name. */
public final class Backends {
    private Backends() {}

    public static final String NAMES = "java, java-scalar, nd4j";

    public static Ops create(String name, int threads) {
        return switch (name) {
            case "java" -> new JavaOps(true, threads);
            case "java-scalar" -> new JavaOps(false, threads);
            case "nd4j" -> Nd4jOps.create(threads);
            default -> throw new MukiException("unknown backend '" + name + "' (choose one of " + NAMES + ")");
        };
    }
}
