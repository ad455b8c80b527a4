package org.muki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.muki.TestSupport.assertClose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.TestSupport;
import org.muki.integration.Uncertainty;
import org.muki.io.Json;

/** The command line as a user runs it: a separate JVM, its exit code, its stdout and stderr. */
class CliTest {
    @TempDir
    Path tmp;

    static TestSupport.Result muki(String... args) throws IOException, InterruptedException {
        return muki(java.util.Map.of(), args);
    }

    static TestSupport.Result muki(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        return muki(env, new byte[0], args);
    }

    /** Runs muki with the environment additions and these bytes on stdin. */
    static TestSupport.Result muki(java.util.Map<String, String> env, byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Xmx2g",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return TestSupport.run(cmd, env, stdin);
    }

    static List<JsonNode> jsonLines(String text) {
        List<JsonNode> out = new ArrayList<>();
        for (String l : text.split("\n")) if (!l.isBlank()) out.add(Json.parse(l, "output"));
        return out;
    }

    @Test
    void predictMatchesThePyTorchReferenceOnEveryBackend() throws Exception {
        Path fx = TestSupport.fixture("odd-f32");
        JsonNode meta = Json.read(fx.resolve("expected-meta.json"));
        List<JsonNode> expected = jsonLines(Files.readString(fx.resolve("expected.jsonl")));
        String k = meta.get("mc_samples").asText(), seed = meta.get("seed").asText();
        String[] backends = {"java", "nd4j", "opencl:0"};
        String[] outputs = new String[backends.length];
        for (int b = 0; b < backends.length; b++) {
            Path out = tmp.resolve(backends[b] + ".jsonl");
            // batch size 2: the masks must not depend on how inputs are batched
            TestSupport.Result r = muki("predict", "--model", fx.toString(), "--input", fx.resolve("input.jsonl").toString(),
                    "--output", out.toString(), "--backend", backends[b], "--mc-samples", k, "--seed", seed, "--batch-size", "2");
            assertEquals(0, r.code(), String.join("\n", r.errLines()));
            outputs[b] = Files.readString(out);
            List<JsonNode> got = jsonLines(outputs[b]);
            assertEquals(expected.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                JsonNode g = got.get(i), e = expected.get(i);
                float[] logits = floats(g.get("logits"));
                assertClose(floats(e.get("logits")), logits, 1e-4, backends[b] + " logits line " + (i + 1));
                int c = logits.length;
                float[] mc = new float[e.get("mc_logits").size() * c];
                int at = 0;
                for (JsonNode row : e.get("mc_logits")) for (JsonNode v : row) mc[at++] = (float) v.asDouble();
                double[] mean = Uncertainty.meanProbs(mc, 0, mc.length / c, c);
                float[] meanF = new float[c];
                for (int j = 0; j < c; j++) meanF[j] = (float) mean[j];
                assertClose(meanF, floats(g.get("mc_probs")), 1e-4, backends[b] + " mc_probs line " + (i + 1));
                double u = g.get("uncertainty").asDouble();
                assertEquals(Uncertainty.normalizedEntropy(mean), u, 1e-4);
                assertEquals(1 - u, g.get("score").asDouble(), 1e-12);
                assertTrue(List.of("neg", "neu", "pos").contains(g.get("label").asText()));
            }
        }
    }

    @Test
    void devicesListsOpenClDevicesAndExplainsWhenThereAreNone() throws Exception {
        TestSupport.Result r = muki("devices");
        assertEquals(0, r.code(), String.join("\n", r.errLines()));
        assertTrue(r.out().startsWith("0: "), r.out());
        assertTrue(r.out().contains("(default for --backend opencl)"), r.out());

        // The ICD loader reads its drivers from OCL_ICD_VENDORS: an empty folder means no platform.
        Path none = Files.createDirectory(tmp.resolve("no-icd"));
        TestSupport.Result missing = muki(java.util.Map.of("OCL_ICD_VENDORS", none.toString()), "bench", "--shape", "tiny",
                "--backend", "opencl", "--mode", "eval", "--batch", "1", "--seq", "4", "--seconds", "1");
        assertEquals(2, missing.code());
        assertEquals(1, missing.errLines().size(), String.join("\n", missing.errLines()));
        assertTrue(missing.errLines().get(0).startsWith("muki: no OpenCL platform found: install an OpenCL driver"),
                missing.errLines().get(0));
        assertTrue(missing.errLines().get(0).contains("pocl-opencl-icd"), missing.errLines().get(0));

        TestSupport.Result unknown = muki("bench", "--shape", "tiny", "--backend", "opencl:no-such-device", "--mode", "eval",
                "--batch", "1", "--seq", "4", "--seconds", "1");
        assertEquals(2, unknown.code());
        assertEquals("muki: no OpenCL device named like 'no-such-device' (see ./muki devices)", unknown.errLines().get(0));
    }

    @Test
    void nonFiniteWeightsAreRefusedUnlessTheUserAsksForAWarning() throws Exception {
        Path model = TestSupport.resource("hostile/checkpoint/weights-nan");
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"input_ids\": [2, 5, 6, 3]}\n");
        TestSupport.Result refused = muki("predict", "--model", model.toString(), "--input", in.toString());
        assertEquals(2, refused.code());
        assertEquals(1, refused.errLines().size(), String.join("\n", refused.errLines()));
        assertTrue(refused.errLines().get(0).contains("holds NaN at element 5"), refused.errLines().get(0));
        assertEquals("", refused.out());

        TestSupport.Result warned = muki(java.util.Map.of("MUKI_NONFINITE_WEIGHTS", "warn"), "predict", "--model", model.toString(),
                "--input", in.toString());
        assertEquals(0, warned.code(), String.join("\n", warned.errLines()));
        assertTrue(warned.errLines().get(0).startsWith("muki: warning: ") && warned.errLines().get(0).contains("holds NaN at element 5"),
                warned.errLines().get(0));
        assertEquals(1, jsonLines(warned.out()).size());

        TestSupport.Result bad = muki(java.util.Map.of("MUKI_NONFINITE_WEIGHTS", "maybe"), "predict", "--model", model.toString(),
                "--input", in.toString());
        assertEquals(2, bad.code());
        assertEquals("muki: MUKI_NONFINITE_WEIGHTS: 'maybe' is not refuse or warn", bad.errLines().get(0));
    }

    @Test
    void aKilledScoreRunResumesToTheSameScoresAndNeverLeavesAHalfFile() throws Exception {
        Path teacher = TestSupport.fixture("odd-f32");
        String[] words = {"the", "cat", "sat", "on", "mat", "dog", "a", "running"};
        StringBuilder tsv = new StringBuilder("id\ttext\n");
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < 37; i++) {
            List<String> t = new ArrayList<>();
            for (int w = 0; w < 1 + r.nextInt(12); w++) t.add(words[r.nextInt(words.length)]);
            tsv.append("s").append(i).append('\t').append(String.join(" ", t)).append('\n');
        }
        Path data = tmp.resolve("data.tsv");
        Files.writeString(data, tsv.toString());
        String[] common = {"score", "--teachers", teacher + "," + teacher, "--data", data.toString(), "--mc-samples", "4",
                "--batch-size", "4", "--seed", "9"};
        Path whole = tmp.resolve("whole.jsonl"), resumed = tmp.resolve("resumed.jsonl");
        TestSupport.Result ok = muki(concat(common, "--out", whole.toString()));
        assertEquals(0, ok.code(), String.join("\n", ok.errLines()));

        // Killed after 3 of 10 batches: no output file, a partial file with the header and 12 lines.
        TestSupport.Result killed = muki(java.util.Map.of("MUKI_TEST_HALT_AFTER_BATCH", "3"), concat(common, "--out", resumed.toString()));
        assertEquals(137, killed.code());
        assertTrue(!Files.exists(resumed), "a killed run left " + resumed);
        Path partial = tmp.resolve(".resumed.jsonl.partial");
        assertEquals(1 + 12, Files.readAllLines(partial).size());
        // A torn last line (a kill in the middle of a write) is cut off on resume.
        Files.writeString(partial, "{\"id\": \"s", java.nio.file.StandardOpenOption.APPEND);

        TestSupport.Result again = muki(concat(common, "--out", resumed.toString()));
        assertEquals(0, again.code(), String.join("\n", again.errLines()));
        assertTrue(String.join("\n", again.errLines()).contains("12 of 37 instances already scored"), String.join("\n", again.errLines()));
        assertTrue(!Files.exists(partial));
        assertEquals(linesById(whole), linesById(resumed));

        // A partial file from other options is discarded, not mixed in.
        TestSupport.Result killed2 = muki(java.util.Map.of("MUKI_TEST_HALT_AFTER_BATCH", "2"), concat(common, "--out", tmp.resolve("other.jsonl").toString()));
        assertEquals(137, killed2.code());
        String[] otherSeed = concat(common, "--out", tmp.resolve("other.jsonl").toString());
        otherSeed[java.util.Arrays.asList(otherSeed).indexOf("--seed") + 1] = "10";
        TestSupport.Result restarted = muki(otherSeed);
        assertEquals(0, restarted.code(), String.join("\n", restarted.errLines()));
        assertTrue(String.join("\n", restarted.errLines()).contains("is from another run"), String.join("\n", restarted.errLines()));
        assertEquals(38, Files.readAllLines(tmp.resolve("other.jsonl")).size());
    }

    @Test
    void rowsWithLabelsOutsideEveryBlockAreCountedAndLeftOut() throws Exception {
        Path model = TestSupport.fixture("odd-f32");
        Path test = tmp.resolve("test.tsv");
        Files.writeString(test, "id\ttext\tlabel\n1\tthe cat sat\tpos\n2\ta dog\tneg\n3\tthe mat\tsurprise\n");
        TestSupport.Result r = muki("evaluate", "--model", model.toString(), "--data", test.toString(), "--out", tmp.resolve("report").toString());
        assertEquals(0, r.code(), String.join("\n", r.errLines()));
        assertTrue(String.join("\n", r.errLines()).contains("1 test rows have labels outside [neg, neu, pos] and are not used"),
                String.join("\n", r.errLines()));

        Path none = tmp.resolve("none.tsv");
        Files.writeString(none, "id\ttext\tlabel\n1\tthe cat sat\tjoy\n");
        TestSupport.Result refused = muki("evaluate", "--model", model.toString(), "--data", none.toString());
        assertEquals(2, refused.code());
        assertEquals("muki: " + none + ": no test rows with a label in [neg, neu, pos]", refused.errLines().get(0));
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Header line plus instance lines keyed by id (line order is free in a score file). */
    static java.util.Map<String, String> linesById(Path file) throws IOException {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        List<String> lines = Files.readAllLines(file);
        out.put("", lines.get(0));
        for (String l : lines.subList(1, lines.size())) out.put(Json.parse(l, "line").get("id").asText(), l);
        return out;
    }

    @Test
    void textInputGivesTheSameResultAsItsTokenIds() throws Exception {
        Path fx = TestSupport.fixture("odd-f32");
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"text\": \"The cat sat on the mat\"}\n{\"text\": \"a dog\", \"text_pair\": \"running!\"}\n"
                + "{\"input_ids\": [3, 6, 7, 8, 9, 6, 10, 4]}\n{\"input_ids\": [3, 13, 12, 4, 17, 18, 21, 4], "
                + "\"token_type_ids\": [0, 0, 0, 0, 1, 1, 1, 1]}\n");
        TestSupport.Result r = muki("predict", "--model", fx.toString(), "--input", in.toString());
        assertEquals(0, r.code(), String.join("\n", r.errLines()));
        List<JsonNode> got = jsonLines(r.out());
        assertEquals(4, got.size());
        assertEquals(got.get(2).get("logits").toString(), got.get(0).get("logits").toString());
        assertEquals(got.get(3).get("logits").toString(), got.get(1).get("logits").toString());

        Path plain = tmp.resolve("plain.txt");
        Files.writeString(plain, "The cat sat on the mat\n");
        TestSupport.Result tok = muki("tokenize", "--vocab", fx.resolve("vocab.txt").toString(), "--input", plain.toString());
        assertEquals(0, tok.code());
        JsonNode first = jsonLines(tok.out()).get(0);
        assertEquals("[\"[CLS]\",\"the\",\"cat\",\"sat\",\"on\",\"the\",\"mat\",\"[SEP]\"]", first.get("tokens").toString());
        assertEquals("[3,6,7,8,9,6,10,4]", first.get("input_ids").toString());
    }

    /** Each bad input ends with one line naming the file (or option) and the problem, and exit code 2. */
    @Test
    void badInputEndsWithOneLineAndExitCode2() throws Exception {
        Path fx = TestSupport.fixture("odd-f32");
        String model = fx.toString();
        Path bad = tmp.resolve("bad.jsonl");
        String[][] cases = {
                {"{\"text\": 5}\n", "bad.jsonl:1", "\"text\" must be a string"},
                {"{\"input_ids\": [3, 4]}\nnot json\n", "bad.jsonl:2", "malformed JSON"},
                {"{\"input_ids\": [3, 400]}\n", "input id 400", "outside the vocabulary"},
                {"{\"input_ids\": [3, 4], \"attention_mask\": [1]}\n", "bad.jsonl:1", "has 1 values"},
                {"{\"foo\": 1}\n", "bad.jsonl:1", "needs \"text\" or \"input_ids\""},
                {"\n", "bad.jsonl:1", "empty line"},
        };
        for (String[] c : cases) {
            Files.writeString(bad, c[0]);
            TestSupport.Result r = muki("predict", "--model", model, "--input", bad.toString());
            assertEquals(2, r.code(), c[2]);
            assertEquals(1, r.errLines().size(), "one line: " + r.errLines());
            assertTrue(r.errLines().get(0).startsWith("muki: ") && r.errLines().get(0).contains(c[1])
                    && r.errLines().get(0).contains(c[2]), r.errLines().get(0));
        }
        Files.write(bad, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, '"', '}', '\n'});
        TestSupport.Result utf = muki("predict", "--model", model, "--input", bad.toString());
        assertEquals(2, utf.code());
        assertTrue(utf.errLines().get(0).contains("not valid UTF-8"), utf.errLines().toString());

        TestSupport.Result missing = muki("predict", "--model", tmp.resolve("none").toString(), "--input", bad.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.errLines().get(0).contains("not a model directory"), missing.errLines().toString());

        TestSupport.Result option = muki("predict", "--model", model, "--input", fx.resolve("input.jsonl").toString(), "--mc-samples", "zero");
        assertEquals(2, option.code());
        assertEquals(1, option.errLines().size(), option.errLines().toString());
        assertTrue(option.errLines().get(0).contains("--mc-samples") && option.errLines().get(0).contains("'zero'"), option.errLines().toString());

        TestSupport.Result backend = muki("predict", "--model", model, "--input", fx.resolve("input.jsonl").toString(), "--backend", "cuda");
        assertEquals(2, backend.code());
        assertTrue(backend.errLines().get(0).contains("unknown backend 'cuda'"), backend.errLines().toString());

        Files.writeString(tmp.resolve("exists.jsonl"), "keep me");
        TestSupport.Result exists = muki("predict", "--model", model, "--input", fx.resolve("input.jsonl").toString(),
                "--output", tmp.resolve("exists.jsonl").toString());
        assertEquals(2, exists.code());
        assertEquals("keep me", Files.readString(tmp.resolve("exists.jsonl")), "existing output untouched");
    }

    @Test
    void benchPrintsSequencesPerSecondLast() throws Exception {
        TestSupport.Result r = muki("bench", "--shape", "tiny", "--backend", "java", "--mode", "mc", "--batch", "2", "--seq", "16",
                "--mc-samples", "2", "--seconds", "0.2", "--warmup", "0.3", "--vocab", "100");
        assertEquals(0, r.code(), String.join("\n", r.errLines()));
        assertTrue(r.out().lines().anyMatch(l -> l.matches("warm-up: [0-9]+ passes")), r.out());
        String[] lines = r.out().strip().split("\n");
        assertTrue(lines[lines.length - 1].matches("sequences/s: [0-9]+\\.[0-9]+"), lines[lines.length - 1]);
        assertTrue(lines[0].endsWith("last layer's tail on [CLS] only"), lines[0]);

        TestSupport.Result all = muki("bench", "--shape", "tiny", "--backend", "java", "--mode", "eval", "--batch", "2", "--seq", "16",
                "--seconds", "0.2", "--warmup", "0", "--vocab", "100", "--all-tokens");
        assertEquals(0, all.code(), String.join("\n", all.errLines()));
        assertTrue(all.out().lines().findFirst().orElse("").endsWith("last layer's tail on every token"), all.out());
        assertTrue(all.out().strip().lines().reduce((x, y) -> y).orElse("").startsWith("sequences/s: "), all.out());
    }

    static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) a.get(i).asDouble();
        return v;
    }
}
