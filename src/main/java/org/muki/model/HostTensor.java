package org.muki.model;

import java.util.Arrays;

/** A parameter on the Java heap: row-major values and their shape. */
public record HostTensor(float[] data, int[] shape) {
    public HostTensor {
        long n = 1;
        for (int s : shape) n *= s;
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    public int rows() {
        return shape.length == 1 ? 1 : shape[0];
    }

    public int cols() {
        return shape[shape.length - 1];
    }
}
