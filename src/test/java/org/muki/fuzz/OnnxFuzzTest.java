package org.muki.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import org.muki.MukiException;
import org.muki.io.onnx.OnnxBert;
import org.muki.model.BertWeights;

/**
 * The ONNX importer on arbitrary bytes (seeded with small BERT graphs as Hugging Face's exporter
 * lays them out): it reads a consistent BERT (every parameter the config calls for, with its
 * shape) or refuses with a {@link MukiException}; any other exception, a hang or running out of
 * memory is a finding.
 */
class OnnxFuzzTest {
    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"\"embeddings.word_embeddings.weight\"", "\"encoder.layer.0.\"", "\"/encoder/layer.0/attention/self/\"",
            "\"MatMul\"", "\"Reshape\"", "\"LayerNormalization\"", "\"Erf\"", "\"onnx::MatMul_\"", "\"pooler.dense\""})
    void importerRefusesOrConverts(byte[] bytes) throws IOException {
        Path file = Files.createTempFile("fuzz", ".onnx");
        try {
            Files.write(file, bytes);
            OnnxBert.Result r = OnnxBert.read(file, null);
            assertTrue(r.config().problems().isEmpty(), "an accepted graph has problems: " + r.config().problems());
            for (var e : BertWeights.expectedShapes(r.config(), r.weights().hasPooler(), r.weights().hasClassifier()).entrySet()) {
                assertTrue(java.util.Arrays.equals(e.getValue(), r.weights().get(e.getKey()).shape()), "shape of " + e.getKey());
            }
        } catch (MukiException e) {
            // the clear refusal
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
