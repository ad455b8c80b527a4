package org.muki.tensor;

/**
 * A row-major matrix owned by one backend. Its storage is the backend's business (a Java
 * array, an ND4J buffer, an OpenCL buffer); only the backend that allocated it may touch it.
 */
public interface Tensor {
    int rows();

    int cols();

    default long size() {
        return (long) rows() * cols();
    }
}
