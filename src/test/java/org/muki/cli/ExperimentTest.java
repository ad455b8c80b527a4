package org.muki.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.MukiException;
import org.muki.TestSupport;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.io.Json;
import org.muki.Listener;
import org.muki.pipeline.Compute;
import org.muki.pipeline.Experiment;
import org.muki.pipeline.ExperimentSettings;

/**
 * The whole pipeline on a generated task: seven labels, each signalled by one word among noise,
 * split over three teachers with uneven blocks (2, 2 and 3 labels); teachers, gold teacher,
 * scores, six methods over two seeds, evaluation and report. Then the score files' refusals.
 */
class ExperimentTest {
    @TempDir
    Path tmp;

    @Test
    void runsEndToEndAndRefusesStaleScores() throws Exception {
        String[] keys = {"cat", "dog", "red", "blue", "hello", "world", "x"};
        String[] labels = {"felid", "canid", "crimson", "azure", "greeting", "planet", "ex"};
        String[] noise = {"the", "sat", "on", "mat", "a", "big", "small", "and", "or", "not", "it", "is", "was"};
        SplittableRandom r = new SplittableRandom(3);
        for (String split : new String[] {"train", "test"}) {
            StringBuilder b = new StringBuilder("id\ttext\tlabel\n");
            for (int i = 0; i < (split.equals("train") ? 700 : 140); i++) {
                int y = r.nextInt(7);
                List<String> words = new ArrayList<>();
                for (int w = 0; w < 1 + r.nextInt(4); w++) words.add(noise[r.nextInt(noise.length)]);
                words.add(r.nextInt(words.size() + 1), keys[y]);
                b.append(split).append(i).append('\t').append(String.join(" ", words)).append('\t').append(labels[y]).append('\n');
            }
            Files.writeString(tmp.resolve(split + ".tsv"), b.toString());
        }
        Path model = tmp.resolve("model.json");
        Files.writeString(model, "{\"vocab_size\": 40, \"hidden_size\": 24, \"num_hidden_layers\": 2, \"num_attention_heads\": 2,"
                + " \"intermediate_size\": 32, \"max_position_embeddings\": 64}");
        Path config = tmp.resolve("toy.yaml");
        Files.writeString(config, String.join("\n",
                "name: toy",
                "data: {train: " + tmp.resolve("train.tsv") + ", test: " + tmp.resolve("test.tsv") + ", transfer_size: 400}",
                "teachers:",
                "  partition: [[azure, canid], [crimson, ex], [felid, greeting, planet]]",
                "  config: " + model,
                "  epochs: 8",
                "  lr: 3.0e-3",
                "student: {config: " + model + ", epochs: 8, lr: 3.0e-3}",
                "mc_samples: 4",
                "methods: [muki-soft-margin, muki-hard, vanilla-kd, uhc, dfa, cfl, oracle, supervised]",
                "seeds: [1, 2]",
                "batch_size: 16",
                "max_length: 32", ""));
        Path out = tmp.resolve("run");
        String vocab = TestSupport.fixture("odd-f32").resolve("vocab.txt").toString();
        List<String> stages = new ArrayList<>();
        Listener listener = new Listener() {
            @Override
            public void stage(int step, int steps, String what) {
                stages.add(step + "/" + steps + " " + what);
            }
        };
        var request = new Experiment.Request(ExperimentSettings.load(config.toString()), config.toString(), out, Path.of(vocab),
                new Compute("java", 2));
        Experiment.Result result = Experiment.run(request, listener);
        // 3 teachers, gold, 2 score steps, 8 methods x 2 seeds, the report: each announced once, in order.
        assertEquals(3 + 1 + 2 + 16 + 1, stages.size(), stages.toString());
        for (int i = 0; i < stages.size(); i++) assertTrue(stages.get(i).startsWith((i + 1) + "/23 "), stages.toString());
        assertEquals(Files.readString(out.resolve("report.md")), result.report());

        String report = Files.readString(out.resolve("report.md"));
        for (String m : new String[] {"muki-soft-margin", "muki-hard", "vanilla-kd", "uhc", "dfa", "cfl", "oracle (uses labels)",
                "supervised (uses labels)"}) {
            assertTrue(report.contains("| " + m + " |"), m + " missing from\n" + report);
        }
        assertTrue(report.contains("Majority class on the test rows") && report.contains("Paired t-tests"), report);
        JsonNode json = Json.read(out.resolve("report.json"));
        assertEquals(2, json.get("students").get("uhc").size());
        assertTrue(json.get("teachers").get("gold_teacher_accuracy").asDouble() >= 0.9, json.toString());
        double selection = json.get("teachers").get("selection_accuracy_mc").asDouble();
        assertTrue(selection >= 0 && selection <= 1, json.toString());
        for (String k : new String[] {"selection_accuracy_mc_percentile", "selection_accuracy_entropy_percentile",
                "selection_accuracy_mc_zscore", "selection_accuracy_entropy_zscore"}) {
            double v = json.get("teachers").get(k).asDouble(-1);
            assertTrue(v >= 0 && v <= 1, k + ": " + json.get("teachers"));
        }
        assertTrue(report.contains("Teacher selection (the chosen teacher's block holds the gold label)"), report);
        // With the right teacher per instance (oracle) the targets, label mapping and student
        // training must reach what the labels themselves reach.
        for (String upper : new String[] {"oracle", "supervised"}) {
            double acc = json.get("students").get(upper).get(0).get("accuracy").asDouble();
            assertTrue(acc >= 0.9, upper + " student accuracy " + acc + ": " + json);
        }
        byte[] png = java.util.Arrays.copyOf(Files.readAllBytes(out.resolve("figure2.png")), 4);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, png);
        assertTrue(Files.size(out.resolve("curves.png")) > 1000);
        assertEquals(List.of("selection.png", "uncertainty-teachers.png", "figure2.png", "accuracy.png", "curves.png", "reliability.png",
                "confusion.png"), org.muki.eval.HtmlReportTest.linkedPictures(report), "report.md links every picture");
        assertEquals(7, org.muki.eval.HtmlReportTest.checkSelfContained(out.resolve("report.html")).size(), "report.html embeds them");

        // A second run finds every step done and only re-evaluates.
        long before = Files.getLastModifiedTime(out.resolve("students/seed-1/uhc/model.safetensors")).toMillis();
        Experiment.run(request, Listener.SILENT);
        assertEquals(before, Files.getLastModifiedTime(out.resolve("students/seed-1/uhc/model.safetensors")).toMillis());

        // The run folder continues only its own settings.
        var other = new Experiment.Request(ExperimentSettings.parse("other.yaml", Files.readString(config).replace("mc_samples: 4", "mc_samples: 8"),
                false), "other.yaml", out, Path.of(vocab), new Compute("java", 2));
        String refused = assertThrows(MukiException.class, () -> Experiment.run(other, Listener.SILENT)).getMessage();
        assertTrue(refused.contains("other settings") && refused.contains("mc_samples"), refused);

        // Score files know their teachers and data: other teachers, another order, or changed data are refused.
        ScoreFile scores = ScoreFile.read(out.resolve("scores/transfer.jsonl"));
        Teacher t1 = Teacher.load(out.resolve("teachers/teacher-1")), t2 = Teacher.load(out.resolve("teachers/teacher-2"));
        Teacher t3 = Teacher.load(out.resolve("teachers/teacher-3")), gold = Teacher.load(out.resolve("teachers/gold"));
        Path transfer = out.resolve("data/transfer.tsv");
        scores.check(List.of(t1, t2, t3), transfer);
        assertTrue(assertThrows(MukiException.class, () -> scores.check(List.of(t2, t1, t3), transfer)).getMessage().contains("stale"));
        assertTrue(assertThrows(MukiException.class, () -> scores.check(List.of(t1, t2, gold), transfer)).getMessage().contains("stale"));
        assertTrue(assertThrows(MukiException.class, () -> scores.check(List.of(t1, t2), transfer)).getMessage().contains("2 were given"));
        Path changed = tmp.resolve("changed.tsv");
        Files.writeString(changed, Files.readString(transfer).replace("\tthe ", "\ta "));
        assertTrue(assertThrows(MukiException.class, () -> scores.check(List.of(t1, t2, t3), changed)).getMessage().contains("stale"));
        assertTrue(assertThrows(MukiException.class, () -> scores.get("no-such-id")).getMessage().contains("no scores for instance"));
    }
}
