package org.muki.integration;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.Listener;
import org.muki.TestSupport;
import org.muki.pipeline.Compute;
import org.muki.pipeline.Integrate;
import org.muki.pipeline.ModelSource;
import org.muki.pipeline.Predictor;
import org.muki.pipeline.Score;
import org.muki.pipeline.Train;
import org.muki.pipeline.TrainOptions;

/**
 * cfl must stay a working baseline: after training on a small task the student's logits still
 * depend on its input (the collapse this guards against left them constant) and it beats
 * chance. Two teachers on a four-label task where one word decides the label.
 */
class CflLearnsTest {
    @TempDir
    Path tmp;

    @Test
    void theStudentsLogitsStillDependOnItsInput() throws Exception {
        String[] keys = {"cat", "dog", "red", "blue"};
        String[] labels = {"felid", "canid", "crimson", "azure"};
        String[] noise = {"the", "sat", "on", "mat", "a", "big", "small", "and", "it", "is"};
        SplittableRandom r = new SplittableRandom(4);
        List<String> testTexts = new ArrayList<>();
        List<Integer> testGold = new ArrayList<>();
        StringBuilder b = new StringBuilder("text\tlabel\n");
        for (int i = 0; i < 480; i++) {
            int y = r.nextInt(4);
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 1 + r.nextInt(3); w++) words.add(noise[r.nextInt(noise.length)]);
            words.add(r.nextInt(words.size() + 1), keys[y]);
            String text = String.join(" ", words);
            if (i < 400) {
                b.append(text).append('\t').append(labels[y]).append('\n');
            } else {
                testTexts.add(text);
                testGold.add(y);
            }
        }
        Path data = Files.writeString(tmp.resolve("train.tsv"), b.toString());
        Path cfg = Files.writeString(tmp.resolve("m.json"), "{\"vocab_size\": 40, \"hidden_size\": 32, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"intermediate_size\": 64, \"max_position_embeddings\": 32}");
        Path vocab = TestSupport.fixture("odd-f32").resolve("vocab.txt");
        Compute compute = new Compute("java", 2);
        TrainOptions o = TrainOptions.defaults().withEpochs(6).withLr(3e-3).withBatchSize(16);
        TrainOptions teacherOptions = TrainOptions.defaults().withEpochs(15).withLr(5e-3).withBatchSize(16);
        List<String> teachers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path dir = tmp.resolve("teacher" + i);
            Train.run(Train.Request.of(data, ModelSource.fresh(cfg, vocab), dir, List.of(labels[2 * i], labels[2 * i + 1])).withOptions(teacherOptions)
                    .withCompute(compute), Listener.SILENT);
            teachers.add(dir.toString());
        }
        Path scores = tmp.resolve("scores.jsonl");
        Score.run(Score.Request.of(teachers, data, scores).withCompute(compute), Listener.SILENT);
        double[] kd = studentOf("vanilla-kd", null, teachers, data, scores, cfg, vocab, o, compute, testTexts, testGold, labels);
        double[] cfl = studentOf("cfl", null, teachers, data, scores, cfg, vocab, o, compute, testTexts, testGold, labels);
        // At the spec's plain sum (w = 1) the feature term dominates, but the logits must not collapse to a constant.
        double[] heavy = studentOf("cfl", 1.0, teachers, data, scores, cfg, vocab, o, compute, testTexts, testGold, labels);
        assertTrue(heavy[0] > 0.1, "cfl at w = 1: the student's logits barely depend on its input: largest std over inputs " + heavy[0]);
        assertTrue(kd[0] > 0.1 && kd[1] > 0.35, "the setting itself must work: vanilla-kd spread " + kd[0] + ", accuracy " + kd[1]);
        assertTrue(cfl[0] > 0.1, "the cfl student's logits barely depend on its input: largest std over inputs " + cfl[0]);
        assertTrue(cfl[1] >= kd[1] - 0.05, "cfl student accuracy " + cfl[1] + ", vanilla-kd " + kd[1]);
    }

    /** A student integrated with the method: the largest std of a logit over the test inputs, and its accuracy. */
    private double[] studentOf(String method, Double weight, List<String> teachers, Path data, Path scores, Path cfg, Path vocab, TrainOptions o,
                               Compute compute, List<String> testTexts, List<Integer> testGold, String[] labels) {
        Path student = tmp.resolve("student-" + method + "-" + weight);
        Integrate.Request r = Integrate.Request.of(method, teachers, data, scores, ModelSource.fresh(cfg, vocab), student).withOptions(o)
                .withCompute(compute);
        r = new Integrate.Request(r.method(), r.teachers(), r.data(), r.scores(), r.student(), r.out(), r.eval(), r.labelOrder(), r.tau(),
                r.temperature(), weight, r.normalization(), r.options(), r.dataOptions(), r.compute(), r.overwrite());
        Integrate.run(r, Listener.SILENT);
        try (Predictor p = new Predictor(student.toString(), compute, Listener.SILENT)) {
            List<Predictor.Prediction> out = p.predictTexts(testTexts, null);
            int c = out.get(0).logits().length;
            double spread = 0;
            for (int j = 0; j < c; j++) {
                double mean = 0, var = 0;
                for (Predictor.Prediction x : out) mean += x.logits()[j];
                mean /= out.size();
                for (Predictor.Prediction x : out) var += (x.logits()[j] - mean) * (x.logits()[j] - mean);
                spread = Math.max(spread, Math.sqrt(var / out.size()));
            }
            int correct = 0;
            for (int i = 0; i < out.size(); i++) if (out.get(i).label().equals(labels[testGold.get(i)])) correct++;
            return new double[] {spread, correct / (double) out.size()};
        }
    }
}
