package org.muki.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.model.BertConfig;
import org.muki.model.BertModel;
import org.muki.model.BertWeights;
import org.muki.model.HostTensor;
import org.muki.tensor.JavaOps;
import org.muki.tensor.Ops;

/**
 * NaN or infinity in a training step's logits, loss or gradients stops training with a message
 * naming the step and the tensor, or skips the step when asked; a skipped step leaves every
 * weight as it was.
 */
class NumericalFaultTest {
    @TempDir
    Path tmp;

    static final BertConfig CONFIG = new BertConfig(30, 16, 1, 2, 20, 16, 2, 1e-12f, 0.1f, 0.1f, 0.1f, List.of("a", "b"));

    static List<Encoded> data() {
        List<Encoded> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) out.add(new Encoded(i, new int[] {2, 5 + i, 7, 3}, new int[4], i % 2, false));
        return out;
    }

    /** Cross-entropy, with a poisoned result at step `at` (1-based) as `poison` says. */
    static Trainer.Objective poisoned(List<Encoded> data, int at, String poison) {
        Trainer.Objective ce = Trainer.crossEntropy(data, 2);
        int[] step = {0};
        return new Trainer.Objective() {
            @Override
            public boolean needsHiddenStates() {
                return poison.equals("hidden"); // a loss on the hidden states: the model computes every token
            }

            @Override
            public Step loss(int[] positions, org.muki.model.Batch batch, float[] logits, java.util.function.Supplier<float[]> hidden) {
                return poisonedStep(ce.loss(positions, batch, logits, hidden), ++step[0] == at, poison, batch);
            }
        };
    }

    private static Trainer.Objective.Step poisonedStep(Trainer.Objective.Step s, boolean now, String poison, org.muki.model.Batch batch) {
        {
            if (!now) return s;
            return switch (poison) {
                case "loss" -> new Trainer.Objective.Step(Double.NaN, s.dLogits(), null);
                case "dLogits" -> {
                    float[] d = s.dLogits().clone();
                    d[3] = Float.POSITIVE_INFINITY;
                    yield new Trainer.Objective.Step(s.loss(), d, null);
                }
                default -> { // a NaN reaching the encoder through the hidden-state gradient
                    float[] dh = new float[batch.size() * batch.seqLen() * CONFIG.hiddenSize()];
                    dh[5] = Float.NaN;
                    yield new Trainer.Objective.Step(s.loss(), s.dLogits(), dh);
                }
            };
        }
    }

    static Trainer.Options options(boolean skip) {
        return new Trainer.Options(1, 2, 1e-3f, 0f, 0f, 1f, 3, 0, skip);
    }

    @Test
    void aFaultStopsTrainingNamingTheStepAndTheTensor() {
        List<Encoded> data = data();
        String[][] cases = {
                {"loss", "step 2 (epoch 1, batch 2): the loss is NaN"},
                {"dLogits", "step 2 (epoch 1, batch 2): dLoss/dLogits hold Infinity at row 1, column 1"},
                {"hidden", "step 2 (epoch 1, batch 2): the gradient of 'bert."},
        };
        for (String[] c : cases) {
            try (Ops ops = new JavaOps(true, 1)) {
                BertModel model = new BertModel(CONFIG, BertWeights.random(CONFIG, 1), ops);
                Trainer t = new Trainer(model, options(false), data, List.of(), tmp.resolve(c[0]), "f", poisoned(data, 2, c[0]), org.muki.Listener.SILENT);
                Trainer.NumericalFault e = assertThrows(Trainer.NumericalFault.class, t::run);
                assertTrue(e.getMessage().startsWith(c[1]), c[0] + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("--skip-nonfinite-steps"), e.getMessage());
            }
        }
    }

    @Test
    void nonFiniteLogitsNameTheirRow() {
        try (Ops ops = new JavaOps(true, 1)) {
            BertWeights w = BertWeights.random(CONFIG, 1);
            HostTensor bias = w.get("classifier.bias");
            bias.data()[1] = Float.NaN;
            BertModel model = new BertModel(CONFIG, w, ops);
            Trainer t = new Trainer(model, options(false), data(), List.of(), tmp.resolve("logits"), "f", Trainer.crossEntropy(data(), 2), org.muki.Listener.SILENT);
            Trainer.NumericalFault e = assertThrows(Trainer.NumericalFault.class, t::run);
            assertTrue(e.getMessage().startsWith("step 1 (epoch 1, batch 1): logits hold NaN at row 0, column 1"), e.getMessage());
        }
    }

    @Test
    void askedToSkipItSkipsThatStepWithoutTouchingAnyWeight() {
        List<Encoded> data = data();
        for (String poison : new String[] {"loss", "dLogits", "hidden"}) {
            try (Ops ops = new JavaOps(true, 1)) {
                // One step over all 8 rows, poisoned and skipped: the weights are the initial ones, bit for bit.
                BertWeights initial = BertWeights.random(CONFIG, 1);
                BertModel once = new BertModel(CONFIG, BertWeights.random(CONFIG, 1), ops);
                Trainer one = new Trainer(once, new Trainer.Options(1, 8, 1e-3f, 0f, 0f, 1f, 3, 0, true), data, List.of(),
                        tmp.resolve("one-" + poison), "f", poisoned(data, 1, poison), org.muki.Listener.SILENT);
                one.run();
                assertEquals(1, one.skippedSteps());
                for (var e : initial.tensors().entrySet()) {
                    assertTrue(java.util.Arrays.equals(e.getValue().data(), once.weights().get(e.getKey()).data()),
                            poison + ": skipped step changed " + e.getKey());
                }
                // Four steps with the second skipped: training goes on and the weights stay finite.
                BertModel four = new BertModel(CONFIG, BertWeights.random(CONFIG, 1), ops);
                Trainer t = new Trainer(four, options(true), data, List.of(), tmp.resolve("four-" + poison), "f", poisoned(data, 2, poison), org.muki.Listener.SILENT);
                t.run();
                assertEquals(1, t.skippedSteps());
                boolean moved = false;
                for (var e : four.weights().tensors().entrySet()) {
                    for (float v : e.getValue().data()) assertTrue(Float.isFinite(v), poison + ": a non-finite value reached " + e.getKey());
                    moved |= !java.util.Arrays.equals(e.getValue().data(), initial.get(e.getKey()).data());
                }
                assertTrue(moved, poison + ": the other steps did not train");
            }
        }
    }
}
