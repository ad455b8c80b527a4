package org.muki.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.TestSupport;
import org.muki.io.HfCheckpoint;

/** ./muki train end to end on a small generated task, in separate JVMs. */
class TrainCliTest {
    @TempDir
    Path tmp;
    Path config, vocab, train, eval;

    @BeforeEach
    void data() throws Exception {
        vocab = TestSupport.fixture("odd-f32").resolve("vocab.txt");
        config = tmp.resolve("config.json");
        Files.writeString(config, "{\"vocab_size\": 40, \"hidden_size\": 24, \"num_hidden_layers\": 2, \"num_attention_heads\": 2,"
                + " \"intermediate_size\": 32, \"max_position_embeddings\": 64, \"hidden_dropout_prob\": 0.1,"
                + " \"attention_probs_dropout_prob\": 0.1}");
        // Label = which animal the sentence is about; other words are noise.
        String[] noise = {"the", "sat", "on", "mat", "a", "big", "small", "red", "blue", "and", "or", "not", "it", "is", "was"};
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder tr = new StringBuilder("id\ttext\tlabel\n"), ev = new StringBuilder("id\ttext\tlabel\n");
        for (int i = 0; i < 120; i++) {
            boolean cat = r.nextBoolean();
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 3 + r.nextInt(8); w++) words.add(noise[r.nextInt(noise.length)]);
            words.add(r.nextInt(words.size() + 1), cat ? "cat" : "dog");
            (i < 96 ? tr : ev).append("r").append(i).append('\t').append(String.join(" ", words)).append('\t')
                    .append(cat ? "felid" : "canid").append('\n');
        }
        train = tmp.resolve("train.tsv");
        eval = tmp.resolve("eval.tsv");
        Files.writeString(train, tr.toString());
        Files.writeString(eval, ev.toString());
    }

    private TestSupport.Result train(Path out, Map<String, String> env, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx2g", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", "--data", train.toString(), "--eval", eval.toString(), "--config", config.toString(),
                "--vocab", vocab.toString(), "--out", out.toString(), "--epochs", "10", "--batch-size", "8", "--lr", "3e-3",
                "--save-every", "4", "--seed", "11", "--threads", "2"));
        cmd.addAll(List.of(extra));
        return TestSupport.run(cmd, env, new byte[0]);
    }

    @Test
    void killedRunResumesToTheSameWeightsAsAnUninterruptedOne() throws Exception {
        Path whole = tmp.resolve("whole"), killed = tmp.resolve("killed");
        TestSupport.Result a = train(whole, Map.of());
        assertEquals(0, a.code(), String.join("\n", a.errLines()));
        assertTrue(a.out().contains("eval accuracy"), a.out());

        // Killed after step 7: the last save was at step 4, so steps 5-7 are redone on resume.
        TestSupport.Result k = train(killed, Map.of("MUKI_TEST_HALT_AFTER_STEP", "7"));
        assertEquals(137, k.code());
        assertFalse(Files.exists(killed.resolve(HfCheckpoint.WEIGHTS)));
        assertTrue(Files.exists(killed.resolve(".train-state/state.json")));
        TestSupport.Result r = train(killed, Map.of());
        assertEquals(0, r.code(), String.join("\n", r.errLines()));
        assertTrue(r.errLines().stream().anyMatch(l -> l.contains("resuming from step 4")), r.errLines().toString());
        assertArrayEquals(Files.readAllBytes(whole.resolve(HfCheckpoint.WEIGHTS)), Files.readAllBytes(killed.resolve(HfCheckpoint.WEIGHTS)),
                "resumed weights differ from the uninterrupted run's");
        assertFalse(Files.exists(killed.resolve(".train-state")), "training state removed once done");

        // The saved teacher learnt the task and loads as a Hugging Face checkpoint with its labels.
        HfCheckpoint ckpt = HfCheckpoint.load(whole);
        assertEquals(List.of("canid", "felid"), ckpt.config().labels());
        String log = Files.readString(whole.resolve("training_log.json"));
        double acc = org.muki.io.Json.parse(log, "log").get("epochs").get(9).get("eval_accuracy").asDouble();
        assertTrue(acc >= 0.9, "eval accuracy " + acc);

        // An existing model is not overwritten without --overwrite; another run's state is refused.
        TestSupport.Result again = train(whole, Map.of());
        assertEquals(2, again.code());
        assertTrue(again.errLines().get(again.errLines().size() - 1).contains("already holds a trained model"));
        train(tmp.resolve("other"), Map.of("MUKI_TEST_HALT_AFTER_STEP", "5"));
        TestSupport.Result changed = train(tmp.resolve("other"), Map.of(), "--weight-decay", "0.05");
        assertEquals(2, changed.code());
        assertTrue(String.join("\n", changed.errLines()).contains("holds a run with other data, labels, model or options"));
    }
}
