package org.muki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.TestSupport;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;

/**
 * A user's path: their own CSV files (custom column names) and two teachers of different sizes
 * (hidden 24 and 32, 2 and 1 layers), then score, integrate (a MUKI method and the two
 * feature methods, which see teachers of different widths) and evaluate.
 */
class OwnDataTest {
    @TempDir
    Path tmp;

    @Test
    void scoreIntegrateEvaluateWithTeachersOfDifferentSizes() throws Exception {
        String[] keys = {"cat", "dog", "red", "blue"};
        String[] labels = {"felid", "canid", "crimson", "azure"};
        SplittableRandom r = new SplittableRandom(9);
        for (String split : new String[] {"train", "test"}) {
            StringBuilder b = new StringBuilder("key,sentence,tag\n");
            for (int i = 0; i < (split.equals("train") ? 200 : 60); i++) {
                int y = r.nextInt(4);
                b.append(split).append(i).append(",\"the ").append(keys[y]).append(", it is\",").append(labels[y]).append('\n');
            }
            Files.writeString(tmp.resolve(split + ".csv"), b.toString());
        }
        String vocab = TestSupport.fixture("odd-f32").resolve("vocab.txt").toString();
        String[] columns = {"--id-column", "key", "--text-column", "sentence", "--label-column", "tag"};
        String[][] teachers = {{"felid,canid", "24", "2"}, {"crimson,azure", "32", "1"}};
        List<String> dirs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path cfg = tmp.resolve("t" + i + ".json");
            Files.writeString(cfg, "{\"vocab_size\": 40, \"hidden_size\": " + teachers[i][1] + ", \"num_hidden_layers\": " + teachers[i][2]
                    + ", \"num_attention_heads\": 2, \"intermediate_size\": 40, \"max_position_embeddings\": 32}");
            String dir = tmp.resolve("teacher" + i).toString();
            dirs.add(dir);
            List<String> a = new ArrayList<>(List.of("train", "--data", tmp.resolve("train.csv").toString(), "--eval",
                    tmp.resolve("test.csv").toString(), "--labels", teachers[i][0], "--config", cfg.toString(), "--vocab", vocab,
                    "--out", dir, "--epochs", "4", "--lr", "3e-3", "--batch-size", "16", "--threads", "2"));
            a.addAll(List.of(columns));
            assertEquals(0, TrainCommand.run(a.toArray(String[]::new)));
        }
        String both = String.join(",", dirs);
        for (String split : new String[] {"train", "test"}) {
            List<String> a = new ArrayList<>(List.of("score", "--teachers", both, "--data", tmp.resolve(split + ".csv").toString(),
                    "--out", tmp.resolve(split + "-scores.jsonl").toString(), "--mc-samples", "4", "--threads", "2"));
            a.addAll(List.of(columns));
            assertEquals(0, ScoreCommand.run(a.toArray(String[]::new)));
        }
        Path student = Files.writeString(tmp.resolve("student.json"), "{\"vocab_size\": 40, \"hidden_size\": 16, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"intermediate_size\": 32, \"max_position_embeddings\": 32}");
        for (String method : new String[] {"muki-soft-margin", "dfa", "cfl"}) {
            Path out = tmp.resolve("student-" + method);
            List<String> a = new ArrayList<>(List.of("integrate", "--method", method, "--teachers", both, "--data",
                    tmp.resolve("train.csv").toString(), "--scores", tmp.resolve("train-scores.jsonl").toString(), "--config",
                    student.toString(), "--vocab", vocab, "--out", out.toString(), "--epochs", "2", "--batch-size", "16", "--threads", "2"));
            a.addAll(List.of(columns));
            assertEquals(0, IntegrateCommand.run(a.toArray(String[]::new)));
            assertEquals(List.of("azure", "canid", "crimson", "felid"), HfCheckpoint.load(out).config().labels(), "union of labels, sorted");
            List<String> e = new ArrayList<>(List.of("evaluate", "--model", out.toString(), "--data", tmp.resolve("test.csv").toString(),
                    "--teachers", both, "--scores", tmp.resolve("test-scores.jsonl").toString(), "--out", tmp.resolve("report-" + method).toString()));
            e.addAll(List.of(columns));
            assertEquals(0, EvaluateCommand.run(e.toArray(String[]::new)));
            var report = Json.read(tmp.resolve("report-" + method).resolve("report.json")).get("metrics");
            for (String k : new String[] {"accuracy", "accuracy_block_1", "accuracy_block_2", "ece", "selection_accuracy_mc",
                    "selection_accuracy_entropy"}) {
                double v = report.get(k).asDouble();
                assertTrue(v >= 0 && v <= 1, k + " = " + v);
            }
            assertTrue(Files.size(tmp.resolve("report-" + method).resolve("figure2.png")) > 1000);
            String before = Files.readString(tmp.resolve("report-" + method).resolve("report.json"));
            assertTrue(assertThrows(org.muki.MukiException.class, () -> EvaluateCommand.run(e.toArray(String[]::new)))
                    .getMessage().contains("already holds a report"));
            assertEquals(before, Files.readString(tmp.resolve("report-" + method).resolve("report.json")), "report kept");
        }
    }
}
