package org.muki.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

import org.muki.MukiException;
import org.muki.tensor.AttentionShape;
import org.muki.tensor.Dropout;
import org.muki.tensor.Ops;
import org.muki.tensor.Tensor;

/**
 * Hugging Face's BertForSequenceClassification on one {@link Ops} backend: embeddings ->
 * LayerNorm -> L post-LN encoder layers -> tanh pooler on [CLS] -> classifier, forward and
 * backward. In Monte-Carlo mode the K samples of each instance are folded into the batch (batch
 * row b * K + k) and every dropout site of the spec is active. In training mode every
 * activation is kept for {@link #backward}, which accumulates parameter gradients.
 */
public final class BertModel implements AutoCloseable {

    /** One encoder layer's tensors: its parameters, or their gradients. */
    private record Layer(Tensor q, Tensor qb, Tensor k, Tensor kb, Tensor v, Tensor vb,
                         Tensor attnOut, Tensor attnOutB, Tensor ln1g, Tensor ln1b,
                         Tensor inter, Tensor interB, Tensor out, Tensor outB, Tensor ln2g, Tensor ln2b) {}

    /** The parameters (or their gradients) by role. */
    private record Params(Tensor words, Tensor positions, Tensor types, Tensor embLnG, Tensor embLnB,
                          Layer[] layers, Tensor poolerW, Tensor poolerB, Tensor classW, Tensor classB) {}

    /**
     * What one encoder layer keeps after its attention: the output projection, both residual
     * LayerNorms and the feed-forward block, for some number of token rows.
     */
    private static final class TailActs {
        final Tensor attnSum, h1, interPre, interAct, ffnSum, out;

        TailActs(Ops ops, BertConfig c, int tokens, boolean training, Tensor out) {
            int h = c.hiddenSize();
            attnSum = ops.allocate(tokens, h);
            h1 = ops.allocate(tokens, h);
            interPre = ops.allocate(tokens, c.intermediateSize());
            interAct = training ? ops.allocate(tokens, c.intermediateSize()) : interPre;
            ffnSum = ops.allocate(tokens, h);
            this.out = out;
        }

        void release(Ops ops) {
            for (Tensor t : new Tensor[] {attnSum, h1, interPre, interAct, ffnSum, out}) ops.release(t);
        }
    }

    /** What one encoder layer keeps of a forward pass. */
    private static final class LayerActs {
        final Tensor q, k, v, probs, ctx;
        final TailActs tail;

        LayerActs(Ops ops, BertConfig c, int rows, int seqLen, boolean training, Tensor out) {
            int h = c.hiddenSize(), tokens = rows * seqLen;
            q = ops.allocate(tokens, h);
            k = ops.allocate(tokens, h);
            v = ops.allocate(tokens, h);
            probs = ops.allocate(rows * c.numHeads() * seqLen, seqLen);
            ctx = ops.allocate(tokens, h);
            tail = new TailActs(ops, c, tokens, training, out);
        }

        void release(Ops ops) {
            for (Tensor t : new Tensor[] {q, k, v, probs, ctx}) ops.release(t);
            tail.release(ops);
        }
    }

    /** Activation buffers for one batch shape, allocated once and reused. */
    private static final class Activations {
        final int instances, rows, seqLen;
        final boolean training;
        final Tensor emb, embLn, embOut, cls, pooled, pooledDrop, logits;
        final LayerActs[] layers;
        /** The last layer's [CLS] rows: input and context; in inference also its queries and attention. */
        final Tensor clsInput, clsQuery, clsProbs, clsContext;
        final TailActs clsTail;

        Activations(Ops ops, BertConfig c, int instances, int rows, int seqLen, boolean training) {
            this.instances = instances;
            this.rows = rows;
            this.seqLen = seqLen;
            this.training = training;
            int h = c.hiddenSize(), tokens = rows * seqLen;
            emb = ops.allocate(instances * seqLen, h);
            embLn = ops.allocate(instances * seqLen, h);
            embOut = rows == instances ? embLn : ops.allocate(tokens, h);
            layers = new LayerActs[c.numLayers()];
            if (training) {
                for (int i = 0; i < layers.length; i++) {
                    layers[i] = new LayerActs(ops, c, rows, seqLen, true, ops.allocate(tokens, h));
                }
            } else {
                // Inference keeps nothing: every layer reuses one set of buffers.
                LayerActs shared = new LayerActs(ops, c, rows, seqLen, false, ops.allocate(tokens, h));
                java.util.Arrays.fill(layers, shared);
            }
            // The last layer's [CLS] rows: inference runs its queries and tail on them alone; a
            // training pass its tail (after a full attention, whose backward is the full one).
            clsInput = ops.allocate(rows, h);
            clsQuery = training ? null : ops.allocate(rows, h);
            clsProbs = training ? null : ops.allocate(rows * c.numHeads(), seqLen);
            clsContext = ops.allocate(rows, h);
            clsTail = new TailActs(ops, c, rows, training, ops.allocate(rows, h));
            cls = ops.allocate(rows, h);
            pooled = ops.allocate(rows, h);
            pooledDrop = training ? ops.allocate(rows, h) : pooled;
            logits = ops.allocate(rows, Math.max(1, c.numLabels()));
        }

        void release(Ops ops) {
            for (LayerActs l : layers) l.release(ops); // release is idempotent: shared buffers are fine
            for (Tensor t : new Tensor[] {emb, embLn, embOut, cls, pooled, pooledDrop, logits}) ops.release(t);
            for (Tensor t : new Tensor[] {clsInput, clsQuery, clsProbs, clsContext}) if (t != null) ops.release(t);
            clsTail.release(ops);
        }

        boolean fits(int instances, int rows, int seqLen, boolean training) {
            return this.instances == instances && this.rows == rows && this.seqLen == seqLen && this.training == training;
        }
    }

    /** Gradient buffers of one encoder layer's tail (after the attention), for some number of rows. */
    private static final class TailDeltas {
        /** dSum: the gradient at a residual sum (finally the tail's input); dCtx: at the attention's context. */
        final Tensor dSum, dBranch, dH1, dInter, dCtx;

        TailDeltas(Ops ops, BertConfig c, int rows) {
            int h = c.hiddenSize();
            dSum = ops.allocate(rows, h);
            dBranch = ops.allocate(rows, h);
            dH1 = ops.allocate(rows, h);
            dInter = ops.allocate(rows, c.intermediateSize());
            dCtx = ops.allocate(rows, h);
        }

        void release(Ops ops) {
            for (Tensor t : new Tensor[] {dSum, dBranch, dH1, dInter, dCtx}) ops.release(t);
        }
    }

    /** Gradient buffers of the activations, for one batch shape. */
    private static final class Deltas {
        final Tensor dx, dQ, dK, dV, dEmb, dCls, dPooled, dLogits;
        /** Every token's tail, and the [CLS] rows' tail of a last layer run on them alone. */
        final TailDeltas tail, clsTail;

        Deltas(Ops ops, BertConfig c, int rows, int seqLen) {
            int h = c.hiddenSize(), tokens = rows * seqLen;
            dx = ops.allocate(tokens, h);
            dQ = ops.allocate(tokens, h);
            dK = ops.allocate(tokens, h);
            dV = ops.allocate(tokens, h);
            dEmb = ops.allocate(tokens, h);
            dCls = ops.allocate(rows, h);
            dPooled = ops.allocate(rows, h);
            dLogits = ops.allocate(rows, c.numLabels());
            tail = new TailDeltas(ops, c, tokens);
            clsTail = new TailDeltas(ops, c, rows);
        }

        void release(Ops ops) {
            for (Tensor t : new Tensor[] {dx, dQ, dK, dV, dEmb, dCls, dPooled, dLogits}) ops.release(t);
            tail.release(ops);
            clsTail.release(ops);
        }
    }

    private final BertConfig config;
    private final Ops ops;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Params params;
    private Map<String, Tensor> gradTensors;
    private Params grads;
    private Activations act;
    private Deltas deltas;
    private Batch lastBatch;
    private Dropout lastDropout;
    private BiConsumer<String, float[]> trace;
    private boolean clsOnlyLastLayer = true;
    private boolean lastHiddenValid;
    /** Whether the last training pass ran the last layer's tail on the [CLS] rows only. */
    private boolean lastClsOnly;

    /**
     * A model on the backend. Weights without a classifier (an encoder, e.g. an imported
     * pre-trained BertModel) give hidden states only: {@link #logits} and training refuse.
     */
    public BertModel(BertConfig config, BertWeights w, Ops ops) {
        this.config = config;
        this.ops = ops;
        for (var e : w.tensors().entrySet()) {
            tensors.put(e.getKey(), ops.upload(e.getValue().data(), e.getValue().rows(), e.getValue().cols()));
        }
        params = bind(tensors);
    }

    private Params bind(Map<String, Tensor> t) {
        String e = BertWeights.PREFIX + "embeddings.";
        Layer[] layers = new Layer[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            int n = i;
            java.util.function.Function<String, Tensor> p = s -> t.get(BertWeights.layer(n, s));
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
        return new Params(t.get(e + "word_embeddings.weight"), t.get(e + "position_embeddings.weight"),
                t.get(e + "token_type_embeddings.weight"), t.get(e + "LayerNorm.weight"), t.get(e + "LayerNorm.bias"),
                layers, t.get(BertWeights.PREFIX + "pooler.dense.weight"), t.get(BertWeights.PREFIX + "pooler.dense.bias"),
                t.get("classifier.weight"), t.get("classifier.bias"));
    }

    /**
     * Receives a copy of every intermediate tensor by name (embeddings, layer.i.attention,
     * layer.i.output, pooled, logits) as the forward pass produces it; null turns it off.
     */
    public void setTrace(BiConsumer<String, float[]> trace) {
        this.trace = trace;
    }

    private void record(String name, Tensor t) {
        if (trace == null) return;
        trace.accept(name, host(t));
    }

    private float[] host(Tensor t) {
        float[] h = new float[(int) t.size()];
        ops.download(t, h);
        return h;
    }

    public BertConfig config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    /** The parameters by Hugging Face name, on the backend (for the optimiser). */
    public Map<String, Tensor> parameters() {
        return java.util.Collections.unmodifiableMap(tensors);
    }

    /** The accumulated gradients by parameter name (allocated, zero, on first use). */
    public Map<String, Tensor> gradients() {
        if (gradTensors == null) {
            gradTensors = new LinkedHashMap<>();
            for (var e : tensors.entrySet()) gradTensors.put(e.getKey(), ops.allocate(e.getValue().rows(), e.getValue().cols()));
            grads = bind(gradTensors);
        }
        return java.util.Collections.unmodifiableMap(gradTensors);
    }

    public void zeroGradients() {
        for (Tensor g : gradients().values()) ops.zero(g);
    }

    /** Whether the model has its pooler and classifier (else it is an encoder: hidden states only). */
    public boolean hasClassifier() {
        return params.classW != null && params.poolerW != null;
    }

    private void requireClassifier() {
        if (!hasClassifier()) throw new MukiException("the model has no pooler/classifier head: it is an encoder only");
    }

    /** A copy of the current parameters on the host, in Hugging Face's layout. */
    public BertWeights weights() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (var e : BertWeights.expectedShapes(config, params.poolerW != null, hasClassifier()).entrySet()) {
            out.put(e.getKey(), new HostTensor(host(tensors.get(e.getKey())), e.getValue()));
        }
        return new BertWeights(out);
    }

    /** Overwrites every parameter with the given weights (same names and shapes). */
    public void setWeights(BertWeights w) {
        for (var e : tensors.entrySet()) ops.write(w.get(e.getKey()).data(), e.getValue());
    }

    /** Deterministic (eval) logits, [batch.size(), numLabels] row-major. */
    public float[] logits(Batch batch) {
        requireClassifier();
        return grouped(batch, 1, 1, Math.max(1, config.numLabels()), g -> forward(g, 1, null, Pass.LOGITS));
    }

    /**
     * Deterministic (eval) final hidden states of every token, [batch.size() * seqLen, hidden]
     * row-major (the last encoder layer's output, before the pooler); rows past an instance's
     * length (its padding) are zero.
     */
    public float[] hiddenStates(Batch batch) {
        int h = config.hiddenSize(), t = batch.seqLen();
        int[][] groups = groups(batch, 1);
        if (groups == null) {
            forward(batch, 1, null, Pass.ALL_TOKENS);
            return lastHidden();
        }
        float[] out = new float[batch.size() * t * h];
        for (int[] g : groups) {
            Batch sub = batch.select(g);
            forward(sub, 1, null, Pass.ALL_TOKENS);
            float[] part = lastHidden();
            for (int i = 0; i < g.length; i++) System.arraycopy(part, i * sub.seqLen() * h, out, g[i] * t * h, sub.seqLen() * h);
        }
        lastHiddenValid = false; // the last pass held only the last group
        return out;
    }

    /**
     * Deterministic (eval) final hidden state of each instance's first token ([CLS]),
     * [batch.size(), hidden] row-major: the last layer runs on the [CLS] rows only, as for the
     * logits (the same values as {@link #hiddenStates}' first rows up to float rounding).
     */
    public float[] clsHiddenStates(Batch batch) {
        return grouped(batch, 1, 1, config.hiddenSize(), g -> forward(g, 1, null, Pass.CLS_HIDDEN));
    }

    /**
     * The instances of a batch in groups of similar length, each run padded to its own longest
     * instance (a batch of real texts in file order pads its short ones to its longest: up to
     * twice the work), or null when the batch should run as it is. Groups hold up to the
     * backend's mcTokenRows token rows (times rowsPerToken, the folded samples); an instance joins
     * the group of the instances just shorter than it while the group pads at most a quarter of
     * its tokens, or while the group is small (an eighth of that budget). Every op gives a row the
     * same values whatever padding follows it (tested bit for bit on java), so the results do not
     * depend on the grouping.
     */
    private int[][] groups(Batch batch, int rowsPerToken) {
        int n = batch.size();
        if (trace != null || n == 1) return null;
        int[] len = new int[n];
        boolean ragged = false;
        for (int b = 0; b < n; b++) {
            len[b] = batch.length(b);
            ragged |= len[b] != batch.seqLen();
        }
        long budget = ops.mcTokenRows(), small = budget / 8;
        if (!ragged && (long) n * batch.seqLen() * rowsPerToken <= budget) return null;
        Integer[] order = new Integer[n];
        for (int b = 0; b < n; b++) order[b] = b;
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt((Integer b) -> len[b]).thenComparingInt(b -> b));
        java.util.List<int[]> groups = new java.util.ArrayList<>();
        int start = 0, longest = 0;
        long real = 0;
        for (int i = 0; i < n; i++) {
            int l = len[order[i]], count = i - start;
            long padded = (long) (count + 1) * Math.max(longest, l);
            boolean fits = padded * rowsPerToken <= budget;
            boolean tight = padded * 4 <= (real + l) * 5;
            boolean tiny = (long) count * longest * rowsPerToken < small;
            if (count > 0 && !(fits && (tight || tiny))) {
                groups.add(indices(order, start, i));
                start = i;
                longest = 0;
                real = 0;
            }
            longest = Math.max(longest, l);
            real += l;
        }
        groups.add(indices(order, start, n));
        return groups.toArray(int[][]::new);
    }

    private static int[] indices(Integer[] order, int from, int to) {
        int[] out = new int[to - from];
        for (int i = from; i < to; i++) out[i - from] = order[i];
        return out;
    }

    /** Runs the batch group by group ({@link #groups}), each instance's rows back in its place. */
    private float[] grouped(Batch batch, int rowsPerToken, int rowsPerInstance, int width,
                            java.util.function.Function<Batch, float[]> run) {
        int[][] groups = groups(batch, rowsPerToken);
        if (groups == null) return run.apply(batch);
        int per = rowsPerInstance * width;
        float[] out = new float[batch.size() * per];
        for (int[] g : groups) {
            float[] part = run.apply(batch.select(g));
            for (int i = 0; i < g.length; i++) System.arraycopy(part, i * per, out, g[i] * per, per);
        }
        lastHiddenValid = false; // the last pass held only the last group
        return out;
    }

    /**
     * The classifier reads the [CLS] token alone, so the logits need only the last layer's [CLS]
     * rows: there every token is still a key and a value, but the queries, the attention's
     * output projection, the LayerNorms and the feed-forward block run on 1/seqLen of the rows.
     * On by default for {@link #logits} and {@link #mcLogits}; off, the last layer computes every
     * token as Hugging Face's model does (the same logits up to float rounding), for
     * like-for-like benchmarks. A trace always computes every token.
     */
    public void setClsOnlyLastLayer(boolean clsOnly) {
        this.clsOnlyLastLayer = clsOnly;
    }

    /**
     * Monte-Carlo dropout logits: K stochastic passes of every instance, [batch.size() * K,
     * numLabels] row-major with sample k of instance b in row b * K + k.
     */
    public float[] mcLogits(Batch batch, int samples, long seed, float hiddenP, float attentionP) {
        requireClassifier();
        // Folding K into the batch multiplies every activation by K; on the Java backend, past a
        // few thousand token rows they no longer stay in cache and the pass turns memory-bound
        // (tiny: 1.6x slower). Groups of instances of similar length keep the folded batch near
        // the backend's mcTokenRows; rows are independent and masks keyed by (instance, sample),
        // so the logits do not depend on the grouping.
        return grouped(batch, samples, samples, Math.max(1, config.numLabels()),
                g -> mcLogitsFolded(g, samples, seed, hiddenP, attentionP));
    }

    private float[] mcLogitsFolded(Batch batch, int samples, long seed, float hiddenP, float attentionP) {
        int rows = batch.size() * samples;
        int[] keys = new int[rows], sample = new int[rows];
        for (int b = 0; b < batch.size(); b++) {
            for (int k = 0; k < samples; k++) {
                keys[b * samples + k] = batch.instanceKeys()[b];
                sample[b * samples + k] = k;
            }
        }
        return forward(batch, samples, new Dropout(seed, hiddenP, attentionP, keys, sample), Pass.LOGITS);
    }

    /**
     * Training forward pass (one row per instance; dropout as given, or none when null) that
     * keeps every activation for {@link #backward}.
     */
    public float[] trainingLogits(Batch batch, Dropout dropout) {
        return trainingLogits(batch, dropout, false);
    }

    /**
     * A training forward pass. The loss of the logits depends on the last layer's [CLS] rows
     * alone, so unless allTokens (a loss on every token's final state, read with
     * {@link #lastHidden}) the last layer's tail (output projection, LayerNorms, feed-forward)
     * runs on those rows only, forward and backward (the attention still runs on every token,
     * whose keys and values the [CLS] row reads). The gradients are the same up to float
     * rounding (tested against PyTorch's autograd); with setClsOnlyLastLayer(false) every token.
     */
    public float[] trainingLogits(Batch batch, Dropout dropout, boolean allTokens) {
        requireClassifier();
        if (dropout != null && dropout.rows() != batch.size()) {
            throw new IllegalArgumentException("dropout rows " + dropout.rows() + " != batch " + batch.size());
        }
        float[] logits = forward(batch, 1, dropout, allTokens || !clsOnlyLastLayer || trace != null ? Pass.TRAINING : Pass.TRAINING_CLS);
        lastBatch = batch;
        lastDropout = dropout;
        return logits;
    }

    /** What a forward pass computes and keeps. */
    private enum Pass {
        /** logits; the last layer's tail on the [CLS] rows when clsOnlyLastLayer allows */
        LOGITS,
        /** logits and every token's final hidden state */
        ALL_TOKENS,
        /** the [CLS] rows' final hidden state (last layer on [CLS] only when allowed); no head */
        CLS_HIDDEN,
        /** like ALL_TOKENS, keeping every activation for the backward pass */
        TRAINING,
        /** TRAINING with the last layer's tail on the [CLS] rows only */
        TRAINING_CLS
    }

    private float[] forward(Batch batch, int samples, Dropout dropout, Pass pass) {
        validate(batch);
        boolean training = pass == Pass.TRAINING || pass == Pass.TRAINING_CLS;
        int t = batch.seqLen(), rows = batch.size() * samples;
        if (act == null || !act.fits(batch.size(), rows, t, training)) {
            // Free the old buffers before allocating the new ones.
            if (act != null) act.release(ops);
            if (deltas != null) deltas.release(ops);
            act = null;
            deltas = null;
            act = new Activations(ops, config, batch.size(), rows, t, training);
        }
        lastBatch = null;
        boolean clsOnly = (pass == Pass.LOGITS || pass == Pass.CLS_HIDDEN) && clsOnlyLastLayer && trace == null;
        lastHiddenValid = !clsOnly && pass != Pass.TRAINING_CLS;
        lastClsOnly = pass == Pass.TRAINING_CLS;
        Activations a = act;
        float[] maskAdd = maskAdd(batch, samples);
        int[] first = firstTokenRows(rows, t);

        // Embeddings are deterministic: compute them once per instance, then fold in K.
        ops.embed(batch.inputIds(), batch.typeIds(), t, params.words, params.positions, params.types, a.emb);
        ops.layerNorm(a.emb, params.embLnG, params.embLnB, config.layerNormEps(), a.embLn);
        record("embeddings", a.embLn);
        if (samples > 1) ops.gatherRows(a.embLn, replicateRows(rows, samples, t), a.embOut);
        if (dropout != null) ops.dropout(a.embOut, dropout, Dropout.siteCode(0, Dropout.SITE_EMBEDDINGS), t);

        AttentionShape shape = shape(rows, t);
        AttentionShape clsShape = new AttentionShape(rows, t, config.numHeads(), config.headDim(), config.maxPositions(), 1);
        Tensor x = a.embOut;
        for (int i = 0; i < params.layers.length; i++) {
            Layer l = params.layers[i];
            LayerActs la = a.layers[i];
            // Self-attention: every token is a key and a value; layerTail does the rest of the layer.
            int site = Dropout.siteCode(i, Dropout.SITE_ATTENTION_PROBS);
            ops.linear(x, l.k, l.kb, la.k);
            ops.linear(x, l.v, l.vb, la.v);
            if (clsOnly && i == params.layers.length - 1) {
                // The classifier reads the [CLS] rows alone, and outside the keys and values a
                // token's row depends on no other row: the last layer runs [CLS] queries only.
                ops.gatherRows(x, first, a.clsInput);
                ops.linear(a.clsInput, l.q, l.qb, a.clsQuery);
                ops.attention(a.clsQuery, la.k, la.v, maskAdd, clsShape, dropout, site, a.clsProbs, a.clsContext);
                x = layerTail(i, a.clsContext, a.clsInput, dropout, 1, a.clsTail);
            } else if (pass == Pass.TRAINING_CLS && i == params.layers.length - 1) {
                // Training: the attention on every query (its backward is the full one), the tail
                // on the [CLS] rows, with their dropout coordinates (token 0).
                ops.linear(x, l.q, l.qb, la.q);
                ops.attention(la.q, la.k, la.v, maskAdd, shape, dropout, site, la.probs, la.ctx);
                ops.gatherRows(x, first, a.clsInput);
                ops.gatherRows(la.ctx, first, a.clsContext);
                x = layerTail(i, a.clsContext, a.clsInput, dropout, 1, a.clsTail);
            } else {
                ops.linear(x, l.q, l.qb, la.q);
                ops.attention(la.q, la.k, la.v, maskAdd, shape, dropout, site, la.probs, la.ctx);
                x = layerTail(i, la.ctx, x, dropout, t, la.tail);
            }
        }

        // Pooler on the first token of every row, dropout, classifier. MC and training use one
        // hidden rate for every hidden site, the pooler's included, so that a rate of 0
        // reproduces eval mode exactly.
        Tensor cls = x;
        if (!clsOnly && pass != Pass.TRAINING_CLS) {
            ops.gatherRows(x, first, a.cls);
            cls = a.cls;
        }
        if (pass == Pass.CLS_HIDDEN) return host(cls);
        if (!hasClassifier()) return null; // an encoder: hidden states only
        ops.linear(cls, params.poolerW, params.poolerB, a.pooled);
        ops.tanh(a.pooled);
        record("pooled", a.pooled);
        if (a.pooledDrop != a.pooled) ops.copy(a.pooled, a.pooledDrop);
        if (dropout != null) ops.dropout(a.pooledDrop, dropout, Dropout.siteCode(params.layers.length, Dropout.SITE_POOLER), 1);
        ops.linear(a.pooledDrop, params.classW, params.classB, a.logits);
        record("logits", a.logits);
        return host(a.logits);
    }

    /**
     * Encoder layer i after its attention, on rows of tokensPerRow tokens each (the output is
     * ta.out): h1 = LayerNorm(input + dropout(dense(context))), then
     * out = LayerNorm(h1 + dropout(dense(gelu(dense(h1))))).
     */
    private Tensor layerTail(int i, Tensor context, Tensor input, Dropout dropout, int tokensPerRow, TailActs ta) {
        Layer l = params.layers[i];
        float eps = config.layerNormEps();
        ops.linearAddNorm(context, l.attnOut, l.attnOutB, dropout, Dropout.siteCode(i, Dropout.SITE_ATTENTION_OUTPUT),
                tokensPerRow, input, l.ln1g, l.ln1b, eps, ta.attnSum, ta.h1);
        record("layer." + i + ".attention", ta.h1);
        ops.linearGelu(ta.h1, l.inter, l.interB, ta.interPre, ta.interAct);
        ops.linearAddNorm(ta.interAct, l.out, l.outB, dropout, Dropout.siteCode(i, Dropout.SITE_FFN_OUTPUT),
                tokensPerRow, ta.h1, l.ln2g, l.ln2b, eps, ta.ffnSum, ta.out);
        record("layer." + i + ".output", ta.out);
        return ta.out;
    }

    /**
     * Accumulates the parameter gradients of a loss whose gradient with respect to the logits
     * of the last {@link #trainingLogits} call is dLogits ([batch, numLabels] row-major).
     */
    public void backward(float[] dLogits) {
        backward(dLogits, null);
    }

    /**
     * Like {@link #backward(float[])}, with an extra gradient on the last encoder layer's output
     * (dLastHidden, [batch * seqLen, hidden] row-major, or null), for losses on hidden states.
     */
    public void backward(float[] dLogits, float[] dLastHidden) {
        if (lastBatch == null) throw new IllegalStateException("backward needs a trainingLogits call first");
        if (dLastHidden != null && lastClsOnly) {
            throw new IllegalStateException("a gradient on every token's last hidden state needs trainingLogits(batch, dropout, true)");
        }
        gradients();
        Activations a = act;
        Batch batch = lastBatch;
        Dropout dropout = lastDropout;
        int t = batch.seqLen(), rows = batch.size();
        if (deltas == null) deltas = new Deltas(ops, config, rows, t);
        Deltas d = deltas;
        Params g = grads;
        int[] first = firstTokenRows(rows, t);
        ops.write(dLogits, d.dLogits);

        // Head, in reverse: classifier, pooler dropout, tanh, pooler dense (on the [CLS] rows).
        int last = params.layers.length - 1;
        ops.linearBackward(a.pooledDrop, params.classW, d.dLogits, d.dPooled, false, g.classW, g.classB);
        if (dropout != null) ops.dropout(d.dPooled, dropout, Dropout.siteCode(params.layers.length, Dropout.SITE_POOLER), 1);
        ops.tanhBackward(a.pooled, d.dPooled, d.dPooled);
        ops.linearBackward(lastClsOnly ? a.clsTail.out : a.cls, params.poolerW, d.dPooled, d.dCls, false, g.poolerW, g.poolerB);
        if (!lastClsOnly) {
            ops.zero(d.dx);
            ops.scatterAddRows(d.dCls, first, d.dx);
            if (dLastHidden != null) {
                ops.write(dLastHidden, d.tail.dBranch);
                ops.add(d.dx, d.tail.dBranch);
            }
        }

        AttentionShape shape = shape(rows, t);
        for (int i = last; i >= 0; i--) {
            Layer l = params.layers[i], gl = g.layers[i];
            LayerActs la = a.layers[i];
            Tensor in = i == 0 ? a.embOut : a.layers[i - 1].tail.out;
            if (i == last && lastClsOnly) {
                // The tail ran on the [CLS] rows: its backward too; then their context and residual
                // gradients go back to those rows of every token's, zero elsewhere.
                tailBackward(i, a.clsTail, a.clsContext, d.dCls, dropout, 1, d.clsTail);
                ops.zero(d.tail.dCtx);
                ops.scatterAddRows(d.clsTail.dCtx, first, d.tail.dCtx);
                ops.zero(d.tail.dSum);
                ops.scatterAddRows(d.clsTail.dSum, first, d.tail.dSum);
            } else {
                tailBackward(i, la.tail, la.ctx, d.dx, dropout, t, d.tail);
            }
            // Self-attention: h1 = LN1(in + dropout(dense(attention(in)))), the tail did up to the context.
            ops.attentionBackward(la.q, la.k, la.v, shape, dropout, Dropout.siteCode(i, Dropout.SITE_ATTENTION_PROBS),
                    la.probs, d.tail.dCtx, d.dQ, d.dK, d.dV);
            ops.copy(d.tail.dSum, d.dx); // the residual path; now d.dx becomes dLoss/d(in)
            ops.linearBackward(in, l.q, d.dQ, d.dx, true, gl.q, gl.qb);
            ops.linearBackward(in, l.k, d.dK, d.dx, true, gl.k, gl.kb);
            ops.linearBackward(in, l.v, d.dV, d.dx, true, gl.v, gl.vb);
        }

        // Embeddings: dropout, LayerNorm, then scatter into the three tables.
        if (dropout != null) ops.dropout(d.dx, dropout, Dropout.siteCode(0, Dropout.SITE_EMBEDDINGS), t);
        ops.layerNormBackward(a.emb, params.embLnG, config.layerNormEps(), d.dx, d.dEmb, g.embLnG, g.embLnB);
        ops.embedBackward(batch.inputIds(), batch.typeIds(), t, d.dEmb, g.words, g.positions, g.types);
        lastBatch = null; // the activations belong to one backward pass
    }

    /**
     * Backward of {@link #layerTail} on its rows (tokensPerRow per instance), mirroring it call for
     * call: from dOut, the gradient at the layer's output, to td.dCtx (at the attention's context)
     * and td.dSum (at the layer's input through the residual), accumulating layer i's tail
     * parameter gradients.
     */
    private void tailBackward(int i, TailActs ta, Tensor context, Tensor dOut, Dropout dropout, int tokensPerRow, TailDeltas td) {
        Layer l = params.layers[i], gl = grads.layers[i];
        float eps = config.layerNormEps();
        // Feed-forward block: out = LN2(h1 + dropout(dense(gelu(dense(h1))))).
        ops.layerNormBackward(ta.ffnSum, l.ln2g, eps, dOut, td.dSum, gl.ln2g, gl.ln2b);
        ops.copy(td.dSum, td.dBranch);
        if (dropout != null) ops.dropout(td.dBranch, dropout, Dropout.siteCode(i, Dropout.SITE_FFN_OUTPUT), tokensPerRow);
        ops.linearBackward(ta.interAct, l.out, td.dBranch, td.dInter, false, gl.out, gl.outB);
        ops.geluBackward(ta.interPre, td.dInter, td.dInter);
        ops.copy(td.dSum, td.dH1); // the residual path
        ops.linearBackward(ta.h1, l.inter, td.dInter, td.dH1, true, gl.inter, gl.interB);
        // The attention's output: h1 = LN1(in + dropout(dense(context))).
        ops.layerNormBackward(ta.attnSum, l.ln1g, eps, td.dH1, td.dSum, gl.ln1g, gl.ln1b);
        ops.copy(td.dSum, td.dBranch);
        if (dropout != null) ops.dropout(td.dBranch, dropout, Dropout.siteCode(i, Dropout.SITE_ATTENTION_OUTPUT), tokensPerRow);
        ops.linearBackward(context, l.attnOut, td.dBranch, td.dCtx, false, gl.attnOut, gl.attnOutB);
    }

    /**
     * The final hidden states of the last forward pass that computed every token (a training
     * pass, {@link #hiddenStates}, or logits with the [CLS]-only last layer off), [rows * seqLen,
     * hidden] row-major.
     */
    public float[] lastHidden() {
        if (act == null) throw new IllegalStateException("no forward pass yet");
        if (!lastHiddenValid) {
            throw new IllegalStateException("the last forward pass finished its last layer on the [CLS] rows only: call hiddenStates");
        }
        return host(act.layers[act.layers.length - 1].tail.out);
    }

    private AttentionShape shape(int rows, int t) {
        return new AttentionShape(rows, t, config.numHeads(), config.headDim(), config.maxPositions());
    }

    private static float[] maskAdd(Batch batch, int samples) {
        int t = batch.seqLen(), rows = batch.size() * samples;
        float[] maskAdd = new float[rows * t];
        for (int r = 0; r < rows; r++) {
            int b = r / samples;
            for (int j = 0; j < t; j++) {
                // Hugging Face adds the dtype's lowest value to masked keys; so do we.
                maskAdd[r * t + j] = batch.attentionMask()[b * t + j] != 0 ? 0f : -Float.MAX_VALUE;
            }
        }
        return maskAdd;
    }

    private static int[] replicateRows(int rows, int samples, int t) {
        int[] replicate = new int[rows * t];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < t; j++) replicate[r * t + j] = (r / samples) * t + j;
        }
        return replicate;
    }

    private static int[] firstTokenRows(int rows, int t) {
        int[] first = new int[rows];
        for (int r = 0; r < rows; r++) first[r] = r * t;
        return first;
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
        if (act != null) act.release(ops);
        if (deltas != null) deltas.release(ops);
        act = null;
        deltas = null;
    }
}
