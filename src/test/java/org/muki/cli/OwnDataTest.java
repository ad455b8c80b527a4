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
import org.muki.Listener;
import org.muki.MukiException;
import org.muki.TestSupport;
import org.muki.data.Columns;
import org.muki.data.Dataset;
import org.muki.integration.ScoreFile;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.pipeline.Compute;
import org.muki.pipeline.DataOptions;
import org.muki.pipeline.Evaluate;
import org.muki.pipeline.Integrate;
import org.muki.pipeline.McOptions;
import org.muki.pipeline.ModelSource;
import org.muki.pipeline.Score;
import org.muki.pipeline.Train;
import org.muki.pipeline.TrainOptions;

/**
 * A user's path through the Java API: their own CSV files (custom column names, no id column,
 * integer labels named by a label list) and two teachers of different sizes (hidden 24 and 32,
 * 2 and 1 layers), then score, integrate (a MUKI method and the two feature methods, which see
 * teachers of different widths) and evaluate.
 */
class OwnDataTest {
    @TempDir
    Path tmp;

    @Test
    void scoreIntegrateEvaluateWithTeachersOfDifferentSizes() throws Exception {
        String[] keys = {"cat", "dog", "red", "blue"};
        List<String> names = List.of("felid", "canid", "crimson", "azure");
        SplittableRandom r = new SplittableRandom(9);
        for (String split : new String[] {"train", "test"}) {
            StringBuilder b = new StringBuilder("sentence,tag\n");
            for (int i = 0; i < (split.equals("train") ? 200 : 60); i++) {
                int y = r.nextInt(4);
                b.append("\"the ").append(keys[y]).append(", it is\",").append(y).append('\n');
            }
            Files.writeString(tmp.resolve(split + ".csv"), b.toString());
        }
        Path vocab = TestSupport.fixture("odd-f32").resolve("vocab.txt");
        DataOptions data = new DataOptions(new Columns("id", "sentence", "text_pair", "tag"), false, names);
        Compute compute = new Compute("java", 2);
        String[][] teachers = {{"felid,canid", "24", "2"}, {"crimson,azure", "32", "1"}};
        List<String> dirs = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Listener listener = new Listener() {
            @Override
            public void info(String message) {
                notes.add(message);
            }
        };
        for (int i = 0; i < 2; i++) {
            Path cfg = tmp.resolve("t" + i + ".json");
            Files.writeString(cfg, "{\"vocab_size\": 40, \"hidden_size\": " + teachers[i][1] + ", \"num_hidden_layers\": " + teachers[i][2]
                    + ", \"num_attention_heads\": 2, \"intermediate_size\": 40, \"max_position_embeddings\": 32}");
            Path dir = tmp.resolve("teacher" + i);
            dirs.add(dir.toString());
            Train.Result t = Train.run(new Train.Request(tmp.resolve("train.csv"), tmp.resolve("test.csv"), ModelSource.fresh(cfg, vocab), dir,
                    List.of(teachers[i][0].split(",")), TrainOptions.defaults().withEpochs(4).withLr(3e-3).withBatchSize(16), data, compute,
                    false), listener);
            assertEquals(List.of(teachers[i][0].split(",")), HfCheckpoint.load(dir).config().labels(), "integer labels named in id2label");
            assertEquals(4, t.epochs().size());
            assertEquals(2, HfCheckpoint.load(dir).config().numLabels());
        }
        assertTrue(notes.stream().anyMatch(n -> n.contains("labels outside")), "rows of other blocks are counted: " + notes);
        for (String split : new String[] {"train", "test"}) {
            Score.Result s = Score.run(new Score.Request(dirs, tmp.resolve(split + ".csv"), tmp.resolve(split + "-scores.jsonl"),
                    new McOptions(4, 0, null, null), 32, 128, data, compute, false), Listener.SILENT);
            assertEquals(split.equals("train") ? 200 : 60, s.instances());
        }
        // Without an id column the rows are numbered from 1: the score file's keys.
        ScoreFile scores = ScoreFile.read(tmp.resolve("test-scores.jsonl"));
        assertEquals(60, scores.instances().size());
        assertTrue(scores.instances().containsKey("1") && scores.instances().containsKey("60"), scores.instances().keySet().toString());

        Path student = Files.writeString(tmp.resolve("student.json"), "{\"vocab_size\": 40, \"hidden_size\": 16, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"intermediate_size\": 32, \"max_position_embeddings\": 32}");
        for (String method : new String[] {"muki-soft-margin", "dfa", "cfl"}) {
            Path out = tmp.resolve("student-" + method);
            Integrate.run(new Integrate.Request(method, dirs, tmp.resolve("train.csv"), tmp.resolve("train-scores.jsonl"),
                    ModelSource.fresh(student, vocab), out, null, null, 0.2, 1.0, 1.0, "none",
                    TrainOptions.defaults().withEpochs(2).withBatchSize(16), data, compute, false), Listener.SILENT);
            assertEquals(List.of("azure", "canid", "crimson", "felid"), HfCheckpoint.load(out).config().labels(), "union of labels, sorted");
            Path reportDir = tmp.resolve("report-" + method);
            var request = new Evaluate.Request(out.toString(), tmp.resolve("test.csv"), dirs, tmp.resolve("test-scores.jsonl"), null, null,
                    reportDir, 0.2, 1.0, "none", 64, 128, data, compute, false);
            Evaluate.Result e = Evaluate.run(request, Listener.SILENT);
            var report = Json.read(reportDir.resolve("report.json")).get("metrics");
            for (String k : new String[] {"accuracy", "accuracy_block_1", "accuracy_block_2", "ece", "selection_accuracy_mc",
                    "selection_accuracy_entropy"}) {
                double v = report.get(k).asDouble();
                assertTrue(v >= 0 && v <= 1, k + " = " + v);
                assertEquals(v, e.metrics().get(k), 1e-12, k + ": the result and report.json agree");
            }
            assertTrue(Files.size(reportDir.resolve("figure2.png")) > 1000);
            assertEquals(List.of("selection.png", "uncertainty-teachers.png", "figure2.png", "reliability.png", "confusion.png"),
                    org.muki.eval.HtmlReportTest.linkedPictures(Files.readString(reportDir.resolve("report.md"))));
            assertEquals(5, org.muki.eval.HtmlReportTest.checkSelfContained(reportDir.resolve("report.html")).size());
            String before = Files.readString(reportDir.resolve("report.json"));
            assertTrue(assertThrows(MukiException.class, () -> Evaluate.run(request, Listener.SILENT)).getMessage().contains("already holds a report"));
            assertEquals(before, Files.readString(reportDir.resolve("report.json")), "report kept");
        }

        // An integer label outside the names is refused with the file and the row's id.
        Files.writeString(tmp.resolve("bad.csv"), "sentence,tag\n\"the cat\",0\n\"the dog\",7\n");
        String message = assertThrows(MukiException.class, () -> data.read(tmp.resolve("bad.csv"), Dataset.Labels.REQUIRED, Listener.SILENT))
                .getMessage();
        assertTrue(message.contains("bad.csv") && message.contains("id '2'") && message.contains("'7'"), message);
    }
}
