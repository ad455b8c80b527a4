package org.muki.tensor;

import org.muki.MukiException;

/** The one switch that chooses a backend by name. */
public final class Backends {
    private Backends() {}

    public static final String NAMES = "java, java-scalar, nd4j, opencl[:DEVICE]";

    /** A backend by name; opencl:DEVICE picks an OpenCL device by index or name (see ./muki devices). */
    public static Ops create(String name, int threads) {
        if (name.startsWith("opencl:")) return OpenClOps.create(name.substring("opencl:".length()));
        return switch (name) {
            case "opencl" -> OpenClOps.create("");
            case "java" -> new JavaOps(true, threads);
            case "java-scalar" -> new JavaOps(false, threads);
            case "nd4j" -> Nd4jOps.create(threads);
            default -> throw new MukiException("unknown backend '" + name + "' (choose one of " + NAMES + ")");
        };
    }
}
