package org.muki.model;

import java.util.List;

/**
 * The fields of a Hugging Face BertConfig that the encoder and its classification head use.
 *
 * @param labels id2label in id order (empty for an encoder without a classifier)
 */
public record BertConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
                         int maxPositions, int typeVocabSize, float layerNormEps,
                         float hiddenDropout, float attentionDropout, float classifierDropout,
                         List<String> labels) {

    public BertConfig {
        labels = List.copyOf(labels);
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    public int numLabels() {
        return labels.size();
    }

    /** Problems that make the config unusable, each naming its field; empty when valid. */
    public List<String> problems() {
        var out = new java.util.ArrayList<String>();
        positive(out, "vocab_size", vocabSize);
        positive(out, "hidden_size", hiddenSize);
        positive(out, "num_hidden_layers", numLayers);
        positive(out, "num_attention_heads", numHeads);
        positive(out, "intermediate_size", intermediateSize);
        positive(out, "max_position_embeddings", maxPositions);
        positive(out, "type_vocab_size", typeVocabSize);
        if (numHeads > 0 && hiddenSize % numHeads != 0) {
            out.add("hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numHeads);
        }
        if (!(layerNormEps > 0f) || !Float.isFinite(layerNormEps)) out.add("layer_norm_eps must be positive, got " + layerNormEps);
        rate(out, "hidden_dropout_prob", hiddenDropout);
        rate(out, "attention_probs_dropout_prob", attentionDropout);
        rate(out, "classifier_dropout", classifierDropout);
        return out;
    }

    private static void positive(List<String> out, String field, int value) {
        if (value <= 0) out.add(field + " must be positive, got " + value);
    }

    private static void rate(List<String> out, String field, float p) {
        if (!(p >= 0f && p < 1f)) out.add(field + " must be in [0, 1), got " + p);
    }

    /** The same shape with another label list (a classifier head for other labels). */
    public BertConfig withLabels(List<String> newLabels) {
        return new BertConfig(vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions,
                typeVocabSize, layerNormEps, hiddenDropout, attentionDropout, classifierDropout, newLabels);
    }

    /** Standard shapes: tiny L2/H128/A2, mini L4/H256/A4, small L4/H512/A8, minilm L6/H384/A12, base L12/H768/A12. */
    public static BertConfig shape(String name, int vocabSize, List<String> labels) {
        return switch (name) {
            case "tiny" -> of(vocabSize, 128, 2, 2, labels);
            case "mini" -> of(vocabSize, 256, 4, 4, labels);
            case "small" -> of(vocabSize, 512, 4, 8, labels);
            case "minilm" -> of(vocabSize, 384, 6, 12, labels);
            case "base" -> of(vocabSize, 768, 12, 12, labels);
            default -> throw new org.muki.MukiException("unknown shape '" + name + "' (choose tiny, mini, small, minilm or base)");
        };
    }

    private static BertConfig of(int vocab, int hidden, int layers, int heads, List<String> labels) {
        return new BertConfig(vocab, hidden, layers, heads, 4 * hidden, 512, 2, 1e-12f, 0.1f, 0.1f, 0.1f, labels);
    }
}
