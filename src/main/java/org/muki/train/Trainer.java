package org.muki.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.io.AtomicFiles;
import org.muki.io.Json;
import org.muki.io.SafeTensors;
import org.muki.model.Batch;
import org.muki.model.BertModel;
import org.muki.model.BertWeights;
import org.muki.model.HostTensor;
import org.muki.tensor.Dropout;
import org.muki.tensor.Finite;

/**
 * Supervised fine-tuning with cross-entropy: AdamW, linear warm-up then linear decay (Hugging
 * Face's schedule), clipping by global norm, length-bucketed seeded batches, dropout masks
 * seeded by (seed, step). Every `saveEvery` steps and at each epoch's end the model, the
 * optimiser moments and the position are written to stateDir (files first, then state.json by
 * an atomic rename), so a killed run resumes from its last save and ends with the same weights
 * as an uninterrupted one.
 */
public final class Trainer {

    /** Training hyper-parameters. */
    public record Options(int epochs, int batchSize, float lr, float warmupFraction, float weightDecay, float clipNorm,
                          long seed, int saveEvery, boolean skipNonFiniteSteps) {
        public String describe() {
            return String.format("epochs %d, batch %d, lr %g, warm-up %.0f%%, weight decay %g, clip %g, seed %d",
                    epochs, batchSize, lr, warmupFraction * 100, weightDecay, clipNorm, seed);
        }
    }

    /** The loss of a batch given the model's logits for it (and, when asked, its last hidden states). */
    public interface Objective {
        /** A step's loss, dLoss/dLogits and, or null, dLoss/d(last hidden states) [batch * seqLen, hidden]. */
        record Step(double loss, float[] dLogits, float[] dHidden) {}

        Step loss(int[] positions, Batch batch, float[] logits, Supplier<float[]> lastHidden);

        /** Whether the loss reads every token's last hidden state (then the model computes every token). */
        default boolean needsHiddenStates() {
            return false;
        }

        /** Updates the objective's own parameters, if it has any, after the model's update. */
        default void update(float lr, int step) {}

        /** The objective's own parameters and optimiser state, for checkpoints. */
        default Map<String, HostTensor> state() {
            return Map.of();
        }

        default void restore(Map<String, HostTensor> state) {}
    }

    /** Cross-entropy on the training examples' own labels (teachers, the supervised baseline). */
    public static Objective crossEntropy(List<Encoded> data, int labels) {
        return (positions, batch, logits, hidden) -> {
            int[] y = new int[positions.length];
            for (int b = 0; b < positions.length; b++) y[b] = data.get(positions[b]).label();
            Losses.Result r = Losses.crossEntropy(logits, labels, y);
            return new Objective.Step(r.loss(), r.dLogits(), null);
        };
    }

    /** A NaN or infinity in a step's logits, loss or gradients; the message names the step and the tensor. */
    public static final class NumericalFault extends org.muki.MukiException {
        public NumericalFault(String message) {
            super(message);
        }
    }

    /** "name holds NaN at row r, column c", or null when every value is finite. */
    static String firstNonFinite(String name, float[] values, int cols) {
        int i = Finite.firstNonFinite(values);
        if (i < 0) return null;
        return name + " hold " + values[i] + " at row " + i / Math.max(1, cols) + ", column " + i % Math.max(1, cols);
    }

    private int skippedSteps;

    /** Steps skipped for non-finite values (with Options.skipNonFiniteSteps). */
    public int skippedSteps() {
        return skippedSteps;
    }

    /** What one epoch did. */
    public record Epoch(int epoch, double trainLoss, double evalAccuracy, double seconds) {}

    private final BertModel model;
    private final Options o;
    private final List<Encoded> train, eval;
    private final Path stateDir;
    private final String fingerprint;
    private final Optimizer optimizer;
    private final Objective objective;

    private final org.muki.Listener listener;

    public Trainer(BertModel model, Options options, List<Encoded> train, List<Encoded> eval, Path stateDir, String fingerprint,
                   Objective objective, org.muki.Listener listener) {
        this.listener = listener;
        this.objective = objective;
        this.model = model;
        this.o = options;
        this.train = train;
        this.eval = eval;
        this.stateDir = stateDir;
        this.fingerprint = fingerprint;
        this.optimizer = new Optimizer(model.ops(), model.parameters(), model.gradients(), 0.9f, 0.999f, 1e-8f,
                options.weightDecay(), options.clipNorm());
    }

    /** Hugging Face's get_linear_schedule_with_warmup: factor of the lr for the step after `done` steps. */
    public static double schedule(int done, int total, int warmup) {
        if (done < warmup) return (double) done / Math.max(1, warmup);
        return Math.max(0.0, (double) (total - done) / Math.max(1, total - warmup));
    }

    public List<Epoch> run() {
        int perEpoch = Batches.count(train.size(), o.batchSize());
        int total = perEpoch * o.epochs();
        int warmup = (int) Math.round(total * (double) o.warmupFraction());
        List<Epoch> epochs = new ArrayList<>();
        int done = resume(epochs);
        if (done > 0) listener.info("resuming from step " + done + " of " + total + " (" + stateDir + ")");
        int resumedAt = done;
        long runStart = System.nanoTime();
        for (int epoch = done / perEpoch; epoch < o.epochs(); epoch++) {
            long t0 = System.nanoTime(), tokens = 0, sequences = 0;
            double lossSum = 0;
            int lossCount = 0;
            List<int[]> batches = Batches.epoch(train, o.batchSize(), o.seed(), epoch);
            for (int i = done - epoch * perEpoch; i < batches.size(); i++) {
                int[] positions = batches.get(i);
                var batch = Encoded.batch(train, positions);
                var cfg = model.config();
                Dropout dropout = new Dropout(o.seed() * 0x9E3779B97F4A7C15L + done, cfg.hiddenDropout(), cfg.attentionDropout(),
                        batch.instanceKeys(), new int[positions.length]);
                float[] logits = model.trainingLogits(batch, dropout, objective.needsHiddenStates());
                String fault = firstNonFinite("logits", logits, model.config().numLabels());
                Objective.Step ce = null;
                if (fault == null) {
                    ce = objective.loss(positions, batch, logits, model::lastHidden);
                    if (!Double.isFinite(ce.loss())) fault = "the loss is " + ce.loss();
                }
                if (fault == null) {
                    fault = firstNonFinite("dLoss/dLogits", ce.dLogits(), model.config().numLabels());
                }
                float lr = (float) (o.lr() * schedule(done, total, warmup));
                if (fault == null) {
                    model.zeroGradients();
                    model.backward(ce.dLogits(), ce.dHidden());
                    if (!Double.isFinite(optimizer.step(lr))) fault = optimizer.nonFiniteGradient();
                }
                if (fault != null) {
                    String where = "step " + (done + 1) + " (epoch " + (epoch + 1) + ", batch " + (i + 1) + "): " + fault;
                    if (!o.skipNonFiniteSteps()) {
                        throw new NumericalFault(where + "; lower --lr or --clip, or pass --skip-nonfinite-steps to skip such steps");
                    }
                    listener.warn("skipped " + where);
                    skippedSteps++;
                    done++;
                    if (o.saveEvery() > 0 && done % o.saveEvery() == 0 && done % perEpoch != 0) save(done, epochs);
                    continue;
                }
                objective.update(lr, done + 1);
                done++;
                lossSum += ce.loss();
                lossCount++;
                sequences += positions.length;
                tokens += (long) batch.size() * batch.seqLen();
                double secs = (System.nanoTime() - t0) / 1e9;
                listener.progress(new org.muki.Listener.Progress("train", done, total, resumedAt, (System.nanoTime() - runStart) / 1e9,
                        String.format("epoch %d loss %.4f %.1f seq/s %.0f tok/s", epoch + 1, lossSum / lossCount, sequences / secs,
                                tokens / secs)));
                if (o.saveEvery() > 0 && done % o.saveEvery() == 0 && done % perEpoch != 0) save(done, epochs);
                listener.afterStep("train", done);
            }
            double accuracy = eval.isEmpty() ? Double.NaN : accuracy(model, eval, o.batchSize());
            Epoch result = new Epoch(epoch + 1, lossCount > 0 ? lossSum / lossCount : Double.NaN, accuracy,
                    (System.nanoTime() - t0) / 1e9);
            epochs.add(result);
            listener.info(String.format("epoch %d: train loss %.4f, eval accuracy %.4f, %.1f s", result.epoch(),
                    result.trainLoss(), result.evalAccuracy(), result.seconds()));
            save(done, epochs);
        }
        return epochs;
    }

    /** Accuracy of argmax over the model's logits (eval mode) against the examples' labels. */
    public static double accuracy(BertModel model, List<Encoded> data, int batchSize) {
        int correct = 0, c = model.config().numLabels();
        for (int[] positions : Batches.inOrder(data, batchSize)) {
            float[] logits = model.logits(Encoded.batch(data, positions));
            for (int b = 0; b < positions.length; b++) {
                int best = 0;
                for (int j = 1; j < c; j++) if (logits[b * c + j] > logits[b * c + best]) best = j;
                if (best == data.get(positions[b]).label()) correct++;
            }
        }
        return correct / (double) data.size();
    }

    private void save(int done, List<Epoch> epochs) {
        String model = "model-" + done + ".safetensors", moments = "optimizer-" + done + ".safetensors";
        SafeTensors.write(stateDir.resolve(model), this.model.weights().tensors());
        Map<String, HostTensor> saved = new java.util.LinkedHashMap<>(optimizer.state());
        objective.state().forEach((k, v) -> saved.put("objective." + k, v));
        SafeTensors.write(stateDir.resolve(moments), saved);
        ObjectNode state = Json.MAPPER.createObjectNode();
        state.put("fingerprint", fingerprint);
        state.put("step", done);
        state.put("model", model);
        state.put("optimizer", moments);
        ArrayNode list = state.putArray("epochs");
        for (Epoch e : epochs) {
            ObjectNode o = list.addObject().put("epoch", e.epoch()).put("train_loss", e.trainLoss()).put("seconds", e.seconds());
            if (Double.isNaN(e.evalAccuracy())) o.putNull("eval_accuracy");
            else o.put("eval_accuracy", e.evalAccuracy());
        }
        AtomicFiles.write(stateDir.resolve("state.json"), out -> out.write(Json.MAPPER.writeValueAsBytes(state)));
        // Only now that state.json names the new files are the older ones unused.
        try (var files = Files.list(stateDir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if ((n.startsWith("model-") || n.startsWith("optimizer-")) && !n.equals(model) && !n.equals(moments)) Files.delete(p);
            }
        } catch (IOException e) {
            throw new MukiException(stateDir + ": cannot tidy old checkpoints (" + e.getMessage() + ")");
        }
    }

    /** Loads the last save, if any; returns the number of steps already done. */
    private int resume(List<Epoch> epochs) {
        Path file = stateDir.resolve("state.json");
        if (!Files.isRegularFile(file)) return 0;
        JsonNode state = Json.read(file);
        if (!fingerprint.equals(state.path("fingerprint").asText())) {
            throw new MukiException(stateDir + " holds a run with other data, labels, model or options; pass --overwrite to start over");
        }
        SafeTensors weights = SafeTensors.open(stateDir.resolve(state.get("model").asText()));
        SafeTensors moments = SafeTensors.open(stateDir.resolve(state.get("optimizer").asText()));
        try {
            Map<String, HostTensor> w = new java.util.LinkedHashMap<>(), m = new java.util.LinkedHashMap<>();
            for (String n : weights.entries().keySet()) w.put(n, weights.readFloat(n));
            for (String n : moments.entries().keySet()) m.put(n, moments.readFloat(n));
            model.setWeights(new BertWeights(w));
            optimizer.restore(m, state.get("step").asInt());
            Map<String, HostTensor> own = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> {
                if (k.startsWith("objective.")) own.put(k.substring("objective.".length()), v);
            });
            objective.restore(own);
        } finally {
            weights.close();
            moments.close();
        }
        for (JsonNode e : state.get("epochs")) {
            JsonNode acc = e.get("eval_accuracy");
            epochs.add(new Epoch(e.get("epoch").asInt(), e.get("train_loss").asDouble(),
                    acc == null || acc.isNull() ? Double.NaN : acc.asDouble(), e.get("seconds").asDouble()));
        }
        return state.get("step").asInt();
    }
}
