package org.muki.io.onnx;

/** The small exporter-style BERT graph of {@link TinyOnnxBert}, for tests in other packages. */
public final class TinyOnnxBertAccess {
    private TinyOnnxBertAccess() {}

    public static byte[] bytes(long seed) {
        return TinyOnnxBert.bytes(TinyOnnxBert.Variant.EXPORT, seed);
    }
}
