package org.muki.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.Listener;
import org.muki.TestSupport;
import org.muki.io.HfCheckpoint;

/** The README's Java API example, as written there (paths aside), on the small fixture model. */
class JavaApiTest {
    @TempDir
    Path tmp;

    @Test
    void theReadmeExampleRuns() throws Exception {
        String model = TestSupport.fixture("odd-f32").toString();
        StringBuilder tsv = new StringBuilder("text\n");
        for (String t : new String[] {"the cat sat", "a dog ran", "red and blue", "hello world", "it was big", "not small"}) tsv.append(t).append('\n');
        Path transfer = Files.writeString(tmp.resolve("transfer.tsv"), tsv.toString());
        Path scores = tmp.resolve("scores.jsonl"), studentDir = tmp.resolve("student");

        // --- as in the README ---
        Compute compute = new Compute("java", 2);
        List<String> teachers = List.of(model, model);
        Score.run(Score.Request.of(teachers, transfer, scores).withCompute(compute), Listener.SILENT);
        Integrate.run(Integrate.Request.of("muki-soft-margin", teachers, transfer, scores, ModelSource.checkpoint(model), studentDir)
                .withNormalization("percentile").withCompute(compute), Listener.SILENT);
        try (Predictor student = new Predictor(studentDir.toString(), compute, Listener.SILENT)) {
            Predictor.Prediction p = student.predictTexts(List.of("a cat sat on the mat"), McOptions.defaults()).get(0);
            // --- end ---
            assertTrue(HfCheckpoint.load(studentDir).config().labels().contains(p.label()), p.label());
            assertEquals(1.0, java.util.Arrays.stream(p.mcProbs()).sum(), 1e-9);
            assertEquals(1 - p.uncertainty(), p.score(), 1e-12);
        }
        assertEquals(6, org.muki.integration.ScoreFile.read(scores).instances().size());
    }
}
