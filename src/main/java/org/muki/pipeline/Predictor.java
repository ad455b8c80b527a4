package org.muki.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.ModelInputs;
import org.muki.integration.Uncertainty;
import org.muki.io.HfCheckpoint;
import org.muki.io.Pretrained;
import org.muki.model.Batch;
import org.muki.model.BertModel;
import org.muki.model.Pooling;
import org.muki.tensor.Ops;
import org.muki.text.WordPieceTokenizer;

/**
 * A loaded model on a backend, ready for many batches of inputs: predictions (logits,
 * probabilities, label; with Monte-Carlo dropout also the mean probabilities, normalised
 * uncertainty and score) or sentence embeddings. Load it once and reuse it (a command loads one;
 * a Spark executor one per model); close it to free the backend.
 */
public final class Predictor implements AutoCloseable {
    /** One input's prediction; mcProbs, uncertainty and score are null without MC dropout. */
    public record Prediction(float[] logits, double[] probs, String label, double[] mcProbs, Double uncertainty, Double score) {}

    private final Path dir;
    private final HfCheckpoint checkpoint;
    private final Ops ops;
    private final BertModel model;

    public Predictor(String model, Compute compute, Listener listener) {
        this.dir = Pretrained.resolve(model, listener::info);
        this.checkpoint = HfCheckpoint.load(dir);
        this.ops = compute.open();
        this.model = new BertModel(checkpoint.config(), checkpoint.weights(), ops);
    }

    /** A checkpoint already loaded (e.g. shared by the tasks of one Spark executor) on a backend of its own. */
    public Predictor(Path dir, HfCheckpoint checkpoint, Compute compute) {
        this.dir = dir;
        this.checkpoint = checkpoint;
        this.ops = compute.open();
        this.model = new BertModel(checkpoint.config(), checkpoint.weights(), ops);
    }

    public Path dir() {
        return dir;
    }

    public HfCheckpoint checkpoint() {
        return checkpoint;
    }

    /** The model's tokenizer, or null when its directory has no vocabulary (pre-tokenized input only). */
    public WordPieceTokenizer tokenizer() {
        return checkpoint.vocab() == null ? null : checkpoint.textTokenizer(dir);
    }

    /** max_position_embeddings, or the given length when shorter; refused when longer. */
    public int maxLength(Integer requested) {
        int max = checkpoint.config().maxPositions();
        if (requested == null) return max;
        if (requested > max) throw new MukiException("--max-length " + requested + " exceeds max_position_embeddings " + max);
        return requested;
    }

    /**
     * Predictions of texts (each a single sequence, tokenized with the model's tokenizer and cut to
     * its max positions), in order; with mc (nullable) also the Monte-Carlo uncertainty, the masks
     * of text i keyed by i as predict keys line i.
     */
    public List<Prediction> predictTexts(List<String> texts, McOptions mc) {
        int[] keys = new int[texts.size()];
        for (int i = 0; i < keys.length; i++) keys[i] = i;
        return predict(encode(texts, null, null), keys, mc, 32);
    }

    /**
     * Texts (and pairs, nullable, a null entry for none) tokenized as predict tokenizes a text
     * line: the model's tokenizer, cut to maxLength (null: max positions) word pieces.
     */
    public ModelInputs encode(List<String> texts, List<String> pairs, Integer maxLength) {
        WordPieceTokenizer tok = tokenizer();
        if (tok == null) throw new MukiException(dir + ": has no vocabulary to tokenize text with");
        int n = texts.size(), max = maxLength(maxLength);
        int[][] ids = new int[n][], types = new int[n][], masks = new int[n][];
        for (int i = 0; i < n; i++) {
            var enc = tok.encode(texts.get(i), pairs == null ? null : pairs.get(i), max);
            ids[i] = enc.ids();
            types[i] = enc.typeIds();
            masks[i] = new int[ids[i].length];
            java.util.Arrays.fill(masks[i], 1);
        }
        return new ModelInputs(ids, types, masks);
    }

    /**
     * Predictions of the inputs at positions [from, to) of `inputs`, in batches; the dropout masks
     * of input i are keyed by keys[i] (so batching never changes a result).
     */
    public List<Prediction> predict(ModelInputs inputs, int[] keys, McOptions mc, int batchSize) {
        if (checkpoint.config().numLabels() == 0) throw new MukiException(dir + ": has no classifier head (an encoder cannot predict; use embed)");
        int c = checkpoint.config().numLabels(), n = inputs.size();
        float hp = mc == null ? 0 : mc.hiddenDropout() != null ? mc.hiddenDropout() : checkpoint.config().hiddenDropout();
        float ap = mc == null ? 0 : mc.attentionDropout() != null ? mc.attentionDropout() : checkpoint.config().attentionDropout();
        List<Prediction> out = new ArrayList<>(n);
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            int[] positions = new int[end - start];
            for (int i = start; i < end; i++) positions[i - start] = i;
            Batch batch = inputs.batch(positions);
            batch = new Batch(batch.size(), batch.seqLen(), batch.inputIds(), batch.typeIds(), batch.attentionMask(),
                    java.util.Arrays.copyOfRange(keys, start, end));
            float[] logits = model.logits(batch);
            float[] mcl = mc != null ? model.mcLogits(batch, mc.samples(), mc.seed(), hp, ap) : null;
            for (int b = 0; b < batch.size(); b++) {
                double[] p = new double[c];
                Uncertainty.softmax(logits, b * c, c, p, 0);
                int best = 0;
                for (int j = 1; j < c; j++) if (p[j] > p[best]) best = j;
                double[] mean = null;
                Double u = null;
                if (mcl != null) {
                    mean = Uncertainty.meanProbs(mcl, b * mc.samples(), mc.samples(), c);
                    u = Uncertainty.normalizedEntropy(mean);
                }
                out.add(new Prediction(java.util.Arrays.copyOfRange(logits, b * c, (b + 1) * c), p, checkpoint.config().labels().get(best), mean,
                        u, u == null ? null : 1 - u));
            }
        }
        return out;
    }

    /** Sentence embeddings of every input, [n][hidden]; inputs batched by length (a vector does not depend on its batch). */
    public float[][] embed(ModelInputs inputs, Pooling pooling, boolean normalize, int batchSize) {
        int n = inputs.size(), h = checkpoint.config().hiddenSize();
        float[][] vectors = new float[n][];
        int[] order = java.util.stream.IntStream.range(0, n).boxed()
                .sorted(java.util.Comparator.comparingInt(i -> inputs.ids()[i].length)).mapToInt(Integer::intValue).toArray();
        for (int start = 0; start < n; start += batchSize) {
            int[] positions = java.util.Arrays.copyOfRange(order, start, Math.min(n, start + batchSize));
            float[] e = pooling.embed(model, inputs.batch(positions), normalize);
            for (int b = 0; b < positions.length; b++) vectors[positions[b]] = java.util.Arrays.copyOfRange(e, b * h, (b + 1) * h);
        }
        return vectors;
    }

    @Override
    public void close() {
        model.close();
        ops.close();
    }
}
