package org.muki.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The parameters of a BertForSequenceClassification under their Hugging Face names
 * ({@code bert.encoder.layer.0.attention.self.query.weight}, linear weights stored [out, in]).
 * A model without a classifier is an encoder (BertModel), with or without its pooler.
 */
public record BertWeights(Map<String, HostTensor> tensors) {

    public static final String PREFIX = "bert.";

    public BertWeights {
        tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    public HostTensor get(String name) {
        HostTensor t = tensors.get(name);
        if (t == null) throw new IllegalStateException("no parameter " + name);
        return t;
    }

    public boolean hasClassifier() {
        return tensors.containsKey("classifier.weight") && hasPooler();
    }

    public boolean hasPooler() {
        return tensors.containsKey(PREFIX + "pooler.dense.weight");
    }

    public static String layer(int i, String rest) {
        return PREFIX + "encoder.layer." + i + "." + rest;
    }

    /** Parameters of one encoder layer in {@link #expectedShapes}. */
    public static final int TENSORS_PER_LAYER = 16;

    /** Every parameter the config calls for, with the pooler and classifier or neither. */
    public static Map<String, int[]> expectedShapes(BertConfig c, boolean withHead) {
        return expectedShapes(c, withHead, withHead);
    }

    /** The parameters these weights should hold for the config: the head as far as they have it. */
    public Map<String, int[]> expectedShapes(BertConfig c) {
        return expectedShapes(c, hasPooler(), hasClassifier());
    }

    /** Every parameter the config calls for, in Hugging Face's order, with its shape. */
    public static Map<String, int[]> expectedShapes(BertConfig c, boolean withPooler, boolean withClassifier) {
        int h = c.hiddenSize();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put(PREFIX + "embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
        s.put(PREFIX + "embeddings.position_embeddings.weight", new int[] {c.maxPositions(), h});
        s.put(PREFIX + "embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
        s.put(PREFIX + "embeddings.LayerNorm.weight", new int[] {h});
        s.put(PREFIX + "embeddings.LayerNorm.bias", new int[] {h});
        for (int i = 0; i < c.numLayers(); i++) {
            for (String qkv : new String[] {"query", "key", "value"}) {
                s.put(layer(i, "attention.self." + qkv + ".weight"), new int[] {h, h});
                s.put(layer(i, "attention.self." + qkv + ".bias"), new int[] {h});
            }
            s.put(layer(i, "attention.output.dense.weight"), new int[] {h, h});
            s.put(layer(i, "attention.output.dense.bias"), new int[] {h});
            s.put(layer(i, "attention.output.LayerNorm.weight"), new int[] {h});
            s.put(layer(i, "attention.output.LayerNorm.bias"), new int[] {h});
            s.put(layer(i, "intermediate.dense.weight"), new int[] {c.intermediateSize(), h});
            s.put(layer(i, "intermediate.dense.bias"), new int[] {c.intermediateSize()});
            s.put(layer(i, "output.dense.weight"), new int[] {h, c.intermediateSize()});
            s.put(layer(i, "output.dense.bias"), new int[] {h});
            s.put(layer(i, "output.LayerNorm.weight"), new int[] {h});
            s.put(layer(i, "output.LayerNorm.bias"), new int[] {h});
        }
        if (withPooler || withClassifier) {
            s.put(PREFIX + "pooler.dense.weight", new int[] {h, h});
            s.put(PREFIX + "pooler.dense.bias", new int[] {h});
        }
        if (withClassifier) {
            s.put("classifier.weight", new int[] {c.numLabels(), h});
            s.put("classifier.bias", new int[] {c.numLabels()});
        }
        return s;
    }

    /**
     * Fresh weights as Hugging Face initialises them: normal(0, 0.02) matrices and embeddings,
     * zero biases, LayerNorm weight 1 and bias 0.
     */
    public static BertWeights random(BertConfig c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        for (var e : expectedShapes(c, c.numLabels() > 0).entrySet()) t.put(e.getKey(), initial(e.getKey(), e.getValue(), rng));
        return new BertWeights(t);
    }

    /**
     * These weights with a classification head for the config's labels: the pooler kept where
     * they have one, the classifier kept where its labels are the config's; what is missing is
     * initialised as Hugging Face does, from its own seeded stream (the encoder is not redrawn).
     */
    public BertWeights withHead(BertConfig c, boolean keepClassifier, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        for (var e : expectedShapes(c, true, true).entrySet()) {
            String name = e.getKey();
            HostTensor own = tensors.get(name);
            boolean keep = own != null && (!name.startsWith("classifier.") || keepClassifier);
            t.put(name, keep ? own : initial(name, e.getValue(), rng));
        }
        return new BertWeights(t);
    }

    /** One parameter as Hugging Face initialises it. */
    private static HostTensor initial(String name, int[] shape, SplittableRandom rng) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        if (name.endsWith("LayerNorm.weight")) {
            java.util.Arrays.fill(v, 1f);
        } else if (!name.endsWith(".bias")) {
            for (int i = 0; i < n; i++) v[i] = (float) (gaussian(rng) * 0.02);
        }
        return new HostTensor(v, shape);
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller on the seeded stream: the same seed gives the same weights everywhere.
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
