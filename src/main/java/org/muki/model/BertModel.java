package org.muki.model;

import org.muki.MukiException;
import org.muki.tensor.AttentionShape;
import org.muki.tensor.Dropout;
import org.muki.tensor.Ops;
import org.muki.tensor.Tensor;

/**
 * Hugging Face's BertForSequenceClassification forward pass on one {@link Ops} backend:
 * embeddings -> LayerNorm -> L post-LN encoder layers -> tanh pooler on [CLS] -> classifier.
 * In Monte-Carlo mode the K samples of each instance are folded into the batch (batch row
 * b * K + k) and every dropout site of the spec is active.
 */
public final class BertModel implements AutoCloseable {

    /** One encoder layer's parameters on the backend. */
    private record Layer(Tensor q, Tensor qb, Tensor k, Tensor kb, Tensor v, Tensor vb,
                         Tensor attnOut, Tensor attnOutB, Tensor ln1g, Tensor ln1b,
                         Tensor inter, Tensor interB, Tensor out, Tensor outB, Tensor ln2g, Tensor ln2b) {}

    /** Activation buffers for one (rows, seqLen) batch shape, allocated once and reused. */
    private static final class Activations {
        final int instances, rows, seqLen;
        final Tensor emb, embLn, x, q, k, v, probs, ctx, attnOut, h1, inter, ffnOut, cls, pooled, logits;

        Activations(Ops ops, BertConfig c, int instances, int rows, int seqLen) {
            this.instances = instances;
            this.rows = rows;
            this.seqLen = seqLen;
            int h = c.hiddenSize(), tokens = rows * seqLen;
            emb = ops.allocate(instances * seqLen, h);
            embLn = ops.allocate(instances * seqLen, h);
            x = ops.allocate(tokens, h);
            q = ops.allocate(tokens, h);
            k = ops.allocate(tokens, h);
            v = ops.allocate(tokens, h);
            probs = ops.allocate(rows * c.numHeads() * seqLen, seqLen);
            ctx = ops.allocate(tokens, h);
            attnOut = ops.allocate(tokens, h);
            h1 = ops.allocate(tokens, h);
            inter = ops.allocate(tokens, c.intermediateSize());
            ffnOut = ops.allocate(tokens, h);
            cls = ops.allocate(rows, h);
            pooled = ops.allocate(rows, h);
            logits = ops.allocate(rows, Math.max(1, c.numLabels()));
        }
    }

    private final BertConfig config;
    private final Ops ops;
    private final Tensor words, positions, types, embLnG, embLnB, poolerW, poolerB, classW, classB;
    private final Layer[] layers;
    private Activations act;
    private java.util.function.BiConsumer<String, float[]> trace;

    public BertModel(BertConfig config, BertWeights w, Ops ops) {
        if (!w.hasClassifier()) {
            throw new MukiException("the model has no pooler/classifier head: it is an encoder only");
        }
        this.config = config;
        this.ops = ops;
        String e = BertWeights.PREFIX + "embeddings.";
        words = up(w, e + "word_embeddings.weight");
        positions = up(w, e + "position_embeddings.weight");
        types = up(w, e + "token_type_embeddings.weight");
        embLnG = up(w, e + "LayerNorm.weight");
        embLnB = up(w, e + "LayerNorm.bias");
        layers = new Layer[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            int n = i;
            java.util.function.Function<String, Tensor> p = s -> up(w, BertWeights.layer(n, s));
            layers[i] = new Layer(
                    p.apply("attention.self.query.weight"), p.apply("attention.self.query.bias"),
                    p.apply("attention.self.key.weight"), p.apply("attention.self.key.bias"),
                    p.apply("attention.self.value.weight"), p.apply("attention.self.value.bias"),
                    p.apply("attention.output.dense.weight"), p.apply("attention.output.dense.bias"),
                    p.apply("attention.output.LayerNorm.weight"), p.apply("attention.output.LayerNorm.bias"),
                    p.apply("intermediate.dense.weight"), p.apply("intermediate.dense.bias"),
                    p.apply("output.dense.weight"), p.apply("output.dense.bias"),
                    p.apply("output.LayerNorm.weight"), p.apply("output.LayerNorm.bias"));
        }
        poolerW = up(w, BertWeights.PREFIX + "pooler.dense.weight");
        poolerB = up(w, BertWeights.PREFIX + "pooler.dense.bias");
        classW = up(w, "classifier.weight");
        classB = up(w, "classifier.bias");
    }

    private Tensor up(BertWeights w, String name) {
        HostTensor t = w.get(name);
        return ops.upload(t.data(), t.rows(), t.cols());
    }

    /**
     * Receives a copy of every intermediate tensor by name (embeddings, layer.i.attention,
     * layer.i.output, pooled, logits) as the forward pass produces it; null turns it off.
     */
    public void setTrace(java.util.function.BiConsumer<String, float[]> trace) {
        this.trace = trace;
    }

    private void record(String name, Tensor t) {
        if (trace == null) return;
        float[] host = new float[(int) t.size()];
        ops.download(t, host);
        trace.accept(name, host);
    }

    public BertConfig config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    /** Deterministic (eval) logits, [batch.size(), numLabels] row-major. */
    public float[] logits(Batch batch) {
        return forward(batch, 1, null);
    }

    /**
     * Monte-Carlo dropout logits: K stochastic passes of every instance, [batch.size() * K,
     * numLabels] row-major with sample k of instance b in row b * K + k.
     */
    public float[] mcLogits(Batch batch, int samples, long seed, float hiddenP, float attentionP) {
        int rows = batch.size() * samples;
        int[] keys = new int[rows], sample = new int[rows];
        for (int b = 0; b < batch.size(); b++) {
            for (int k = 0; k < samples; k++) {
                keys[b * samples + k] = batch.instanceKeys()[b];
                sample[b * samples + k] = k;
            }
        }
        return forward(batch, samples, new Dropout(seed, hiddenP, attentionP, keys, sample));
    }

    private float[] forward(Batch batch, int samples, Dropout dropout) {
        validate(batch);
        int t = batch.seqLen(), rows = batch.size() * samples, h = config.hiddenSize();
        if (act == null || act.instances != batch.size() || act.rows != rows || act.seqLen != t) {
            act = null; // let the old buffers go before allocating the new ones
            act = new Activations(ops, config, batch.size(), rows, t);
        }
        Activations a = act;
        float[] maskAdd = new float[rows * t];
        for (int r = 0; r < rows; r++) {
            int b = r / samples;
            for (int j = 0; j < t; j++) {
                // Hugging Face adds the dtype's lowest value to masked keys; so do we.
                maskAdd[r * t + j] = batch.attentionMask()[b * t + j] != 0 ? 0f : -Float.MAX_VALUE;
            }
        }

        // Embeddings are deterministic: compute them once per instance, then fold in K.
        ops.embed(batch.inputIds(), batch.typeIds(), t, words, positions, types, a.emb);
        ops.layerNorm(a.emb, embLnG, embLnB, config.layerNormEps(), samples == 1 ? a.x : a.embLn);
        if (samples > 1) {
            int[] replicate = new int[rows * t];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < t; j++) replicate[r * t + j] = (r / samples) * t + j;
            }
            ops.gatherRows(a.embLn, replicate, a.x);
        }
        record("embeddings", samples == 1 ? a.x : a.embLn);
        if (dropout != null) ops.dropout(a.x, dropout, Dropout.siteCode(0, Dropout.SITE_EMBEDDINGS), t);

        AttentionShape shape = new AttentionShape(rows, t, config.numHeads(), config.headDim(), config.maxPositions());
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            // Self-attention block: x -> h1 = LayerNorm(x + dropout(dense(attention(x)))).
            ops.linear(a.x, l.q, l.qb, a.q);
            ops.linear(a.x, l.k, l.kb, a.k);
            ops.linear(a.x, l.v, l.vb, a.v);
            ops.attention(a.q, a.k, a.v, maskAdd, shape, dropout,
                    Dropout.siteCode(i, Dropout.SITE_ATTENTION_PROBS), a.probs, a.ctx);
            ops.linear(a.ctx, l.attnOut, l.attnOutB, a.attnOut);
            if (dropout != null) ops.dropout(a.attnOut, dropout, Dropout.siteCode(i, Dropout.SITE_ATTENTION_OUTPUT), t);
            ops.add(a.attnOut, a.x);
            ops.layerNorm(a.attnOut, l.ln1g, l.ln1b, config.layerNormEps(), a.h1);
            record("layer." + i + ".attention", a.h1);
            // Feed-forward block: h1 -> x = LayerNorm(h1 + dropout(dense(gelu(dense(h1))))).
            ops.linear(a.h1, l.inter, l.interB, a.inter);
            ops.gelu(a.inter);
            ops.linear(a.inter, l.out, l.outB, a.ffnOut);
            if (dropout != null) ops.dropout(a.ffnOut, dropout, Dropout.siteCode(i, Dropout.SITE_FFN_OUTPUT), t);
            ops.add(a.ffnOut, a.h1);
            ops.layerNorm(a.ffnOut, l.ln2g, l.ln2b, config.layerNormEps(), a.x);
            record("layer." + i + ".output", a.x);
        }

        // Pooler on the first token of every row, dropout, classifier.
        int[] first = new int[rows];
        for (int r = 0; r < rows; r++) first[r] = r * t;
        ops.gatherRows(a.x, first, a.cls);
        ops.linear(a.cls, poolerW, poolerB, a.pooled);
        ops.tanh(a.pooled);
        record("pooled", a.pooled);
        // MC uses one hidden rate for every hidden site, the pooler's included, so that a rate
        // of 0 reproduces eval mode exactly.
        if (dropout != null) ops.dropout(a.pooled, dropout, Dropout.siteCode(layers.length, Dropout.SITE_POOLER), 1);
        ops.linear(a.pooled, classW, classB, a.logits);
        record("logits", a.logits);
        float[] out = new float[rows * config.numLabels()];
        ops.download(a.logits, out);
        return out;
    }

    private void validate(Batch batch) {
        if (batch.seqLen() > config.maxPositions()) {
            throw new MukiException("sequence length " + batch.seqLen() + " exceeds max_position_embeddings "
                    + config.maxPositions());
        }
        for (int i = 0; i < batch.inputIds().length; i++) {
            int id = batch.inputIds()[i], ty = batch.typeIds()[i];
            if (id < 0 || id >= config.vocabSize()) {
                throw new MukiException("input id " + id + " (sequence " + i / batch.seqLen() + ", position "
                        + i % batch.seqLen() + ") is outside the vocabulary of " + config.vocabSize());
            }
            if (ty < 0 || ty >= config.typeVocabSize()) {
                throw new MukiException("token type " + ty + " (sequence " + i / batch.seqLen() + ") is outside type_vocab_size "
                        + config.typeVocabSize());
            }
        }
    }

    @Override
    public void close() {
        act = null;
    }
}
