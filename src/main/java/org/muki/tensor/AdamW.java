package org.muki.tensor;

/**
 * The constants of one AdamW update (Loshchilov and Hutter; decoupled weight decay, as PyTorch's
 * and Hugging Face's AdamW): bias corrections bc1 = 1 - b1^t, bc2 = 1 - b2^t for step t.
 */
public record AdamW(float lr, float beta1, float beta2, float eps, float weightDecay, float gradScale, int step) {
    public float bc1() {
        return (float) (1.0 - Math.pow(beta1, step));
    }

    public float bc2() {
        return (float) (1.0 - Math.pow(beta2, step));
    }

    public AdamW withoutDecay() {
        return new AdamW(lr, beta1, beta2, eps, 0f, gradScale, step);
    }
}
