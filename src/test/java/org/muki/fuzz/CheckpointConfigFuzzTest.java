package org.muki.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;

import org.muki.MukiException;
import org.muki.TestSupport;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.model.BertConfig;

/**
 * Loading a Hugging Face directory whose config.json is arbitrary bytes (next to the valid
 * weights and vocabulary of the hostile corpus's "valid" checkpoint): it loads a consistent
 * model or is refused with a {@link MukiException}.
 */
class CheckpointConfigFuzzTest {
    private static final Path DIR = prepare();

    private static Path prepare() {
        try {
            Path dir = Files.createTempDirectory("fuzz-checkpoint");
            Path valid = TestSupport.resource("hostile/checkpoint/valid");
            for (String f : new String[] {"model.safetensors", "vocab.txt"}) {
                Files.copy(valid.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void removeDirectory() {
        AtomicFiles.deleteTree(DIR);
    }

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"\"model_type\"", "\"bert\"", "\"hidden_size\"", "\"num_attention_heads\"", "\"num_hidden_layers\"",
            "\"intermediate_size\"", "\"vocab_size\"", "\"id2label\"", "\"label2id\"", "\"layer_norm_eps\"",
            "\"max_position_embeddings\"", "\"type_vocab_size\"", "\"hidden_dropout_prob\"", "\"classifier_dropout\"", "null", "1e-12"})
    void loaderRefusesOrLoads(byte[] config) throws IOException {
        Files.write(DIR.resolve("config.json"), config);
        try {
            BertConfig c = HfCheckpoint.load(DIR).config();
            assertTrue(c.problems().isEmpty(), "an accepted config has problems: " + c.problems());
            assertTrue(c.hiddenSize() % c.numHeads() == 0 && c.numLabels() > 0, "accepted an inconsistent config: " + c);
        } catch (MukiException e) {
            // the clear refusal
        }
    }
}
