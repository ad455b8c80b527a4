package org.muki.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.Columns;
import org.muki.model.Pooling;
import org.muki.pipeline.Compute;
import org.muki.pipeline.DataOptions;
import org.muki.pipeline.McOptions;
import org.muki.pipeline.Predict;
import org.muki.pipeline.Score;

/**
 * The Spark jobs in local mode against the single-machine commands: the same numbers, bit for bit,
 * whatever the partitioning, after a failed task, and for every input format; bad input refused
 * with one line.
 */
class SparkJobsTest {
    static SparkSession spark;
    static Path fixture;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        // Two cores; a failed task is retried once (local[N, maxFailures]).
        spark = SparkSession.builder().master("local[2,2]").appName("muki-spark-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
        fixture = Path.of(System.getProperty("muki.fixture", "../src/test/resources/fixtures/odd-f32")).toAbsolutePath();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static final String[] WORDS = {"the", "cat", "sat", "on", "mat", "dog", "a", "run", "big", "small", "red", "blue", "hello", "world", "x", "y"};

    /** n texts of 1 to 12 words (lengths differ, so batches pad), deterministic. */
    static List<String> texts(int n) {
        List<String> out = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            for (int w = 0; w < 1 + r.nextInt(12); w++) b.append(w > 0 ? " " : "").append(WORDS[r.nextInt(WORDS.length)]);
            out.add(b.toString());
        }
        return out;
    }

    Path tsv(List<String> texts, boolean ids) throws Exception {
        StringBuilder b = new StringBuilder(ids ? "id\ttext\n" : "text\n");
        for (int i = 0; i < texts.size(); i++) b.append(ids ? "r" + i + "\t" : "").append(texts.get(i)).append('\n');
        return Files.writeString(tmp.resolve(ids ? "data.tsv" : "noid.tsv"), b.toString());
    }

    static Set<String> lines(Path file) throws Exception {
        List<String> all = Files.readAllLines(file);
        Set<String> s = new HashSet<>(all.subList(1, all.size()));
        assertEquals(all.size() - 1, s.size(), "no line twice");
        return s;
    }

    static String header(Path file) throws Exception {
        return Files.readAllLines(file).get(0);
    }

    @Test
    void scoresEqualMukiScoreBitForBitWhateverThePartitioning() throws Exception {
        Path data = tsv(texts(90), true);
        List<String> teachers = List.of(fixture.toString(), fixture.toString());
        McOptions mc = new McOptions(4, 3, null, null);
        Path reference = tmp.resolve("reference.jsonl");
        Score.run(new Score.Request(teachers, data, reference, mc, 8, 128, DataOptions.defaults(), new Compute("java", 1), false), Listener.SILENT);
        for (Integer partitions : new Integer[] {null, 1, 5}) {
            Path out = tmp.resolve("spark-" + partitions + ".jsonl");
            var r = new ScoreJob.Request(teachers, data.toString(), null, Columns.DEFAULT, mc, 8, 128, "java", 1, partitions, out.toString(), null, false);
            ScoreJob.Result res = ScoreJob.run(spark, r);
            assertEquals(90, res.instances());
            assertEquals(header(reference), header(out), "the header names the same data, teachers and options");
            assertEquals(lines(reference), lines(out), "partitions " + partitions);
            assertFalse(Files.exists(tmp.resolve(".spark-" + partitions + ".jsonl.parts")), "the hidden parts are gone after the merge");
        }
        // A failed task is retried and recomputes the same lines; parts kept and merged separately.
        ScoreJob.failFirstAttemptOfPartition = 1;
        try {
            Path parts = tmp.resolve("parts");
            ScoreJob.run(spark, new ScoreJob.Request(teachers, data.toString(), null, Columns.DEFAULT, mc, 8, 128, "java", 1, 3, null,
                    parts.toString(), false));
            assertTrue(ScoreJob.failedAttempts.get() >= 1, "the injected failure happened");
            Path merged = tmp.resolve("merged.jsonl");
            Output.merge(parts.toString(), merged.toString(), false, spark.sparkContext().hadoopConfiguration());
            assertEquals(header(reference), header(merged));
            assertEquals(lines(reference), lines(merged));
        } finally {
            ScoreJob.failFirstAttemptOfPartition = -1;
        }
        // An existing score file is kept without --overwrite.
        Files.writeString(tmp.resolve("kept.jsonl"), "keep me");
        var refused = assertThrows(MukiException.class, () -> ScoreJob.run(spark, new ScoreJob.Request(teachers, data.toString(), null,
                Columns.DEFAULT, mc, 8, 128, "java", 1, null, tmp.resolve("kept.jsonl").toString(), null, false)));
        assertTrue(refused.getMessage().contains("exists"), refused.getMessage());
        assertEquals("keep me", Files.readString(tmp.resolve("kept.jsonl")));
    }

    @Test
    void csvAndJsonLinesWithoutIdsScoreAsMukiScoreDoes() throws Exception {
        List<String> texts = texts(30);
        StringBuilder csv = new StringBuilder("text\n"), jsonl = new StringBuilder();
        for (String t : texts) {
            csv.append('"').append(t.replace("cat", "cat, \"\"the\"\" cat")).append("\"\n");
            jsonl.append("{\"text\": \"").append(t).append("\"}\n");
        }
        List<String> teachers = List.of(fixture.toString());
        McOptions mc = new McOptions(3, 1, null, null);
        for (Path data : new Path[] {Files.writeString(tmp.resolve("d.csv"), csv), Files.writeString(tmp.resolve("d.jsonl"), jsonl)}) {
            Path reference = tmp.resolve(data.getFileName() + ".ref");
            Score.run(new Score.Request(teachers, data, reference, mc, 4, 128, DataOptions.defaults(), new Compute("java", 1), false), Listener.SILENT);
            Path out = tmp.resolve(data.getFileName() + ".spark");
            ScoreJob.run(spark, new ScoreJob.Request(teachers, data.toString(), null, Columns.DEFAULT, mc, 4, 128, "java", 1, 2, out.toString(),
                    null, false));
            assertEquals(header(reference), header(out), data.toString());
            assertEquals(lines(reference), lines(out), data.toString());
        }
    }

    @Test
    void predictionsAndEmbeddingsEqualMukiPredictAndEmbedInInputOrder() throws Exception {
        List<String> texts = texts(50);
        StringBuilder jsonl = new StringBuilder();
        for (String t : texts) jsonl.append("{\"text\": \"").append(t).append("\"}\n");
        Path data = Files.writeString(tmp.resolve("p.jsonl"), jsonl);
        McOptions mc = new McOptions(5, 2, null, null);
        ByteArrayOutputStream reference = new ByteArrayOutputStream();
        Predict.predict(new Predict.Request(fixture.toString(), data, mc, 8, null, new Compute("java", 1)), reference, Listener.SILENT);
        Path out = tmp.resolve("pred.jsonl");
        PredictJob.run(spark, new PredictJob.Request(fixture.toString(), data.toString(), null, Columns.DEFAULT, mc, null, false, 8, null, "java", 1,
                3, "jsonl", out.toString(), null, false));
        assertEquals(reference.toString(java.nio.charset.StandardCharsets.UTF_8), Files.readString(out), "predict: same lines, same order");

        ByteArrayOutputStream embedded = new ByteArrayOutputStream();
        Predict.embed(new Predict.EmbedRequest(fixture.toString(), data, Pooling.MEAN, true, 8, null, new Compute("java", 1)), embedded, Listener.SILENT);
        Path parquet = tmp.resolve("emb.parquet");
        PredictJob.run(spark, new PredictJob.Request(fixture.toString(), data.toString(), null, Columns.DEFAULT, null, Pooling.MEAN, true, 8, null,
                "java", 1, 2, "parquet", parquet.toString(), null, false));
        List<Row> rows = spark.read().parquet(parquet.toString()).orderBy("index").collectAsList();
        String[] expected = embedded.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n");
        assertEquals(expected.length, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<Object> v = rows.get(i).getList(rows.get(i).fieldIndex("embedding"));
            var e = org.muki.io.Json.parse(expected[i], "embed").get("embedding");
            assertEquals(e.size(), v.size());
            for (int j = 0; j < v.size(); j++) assertEquals((float) e.get(j).asDouble(), (Float) v.get(j), 0f, "row " + i + " dim " + j);
            assertEquals(Integer.toString(i + 1), rows.get(i).getString(rows.get(i).fieldIndex("id")), "rows numbered from 1");
        }
    }

    @Test
    void badInputIsRefusedWithOneLineNamingTheRowOrPath() throws Exception {
        Path data = Files.writeString(tmp.resolve("bad.tsv"), "id\ttext\na\tthe cat\nb\t\nc\tthe dog\n");
        List<String> teachers = List.of(fixture.toString());
        McOptions mc = new McOptions(2, 0, null, null);
        Path out = tmp.resolve("bad.jsonl");
        Exception e = assertThrows(Exception.class, () -> ScoreJob.run(spark, new ScoreJob.Request(teachers, data.toString(), null, Columns.DEFAULT,
                mc, 4, 128, "java", 1, null, out.toString(), null, false)));
        MukiException m = MukiSpark.userError(e);
        assertTrue(m != null && m.getMessage().contains("bad.tsv: data row 2 (id 'b'): missing text"), String.valueOf(e));
        assertFalse(Files.exists(out), "no output looks complete");

        Path dup = Files.writeString(tmp.resolve("dup.tsv"), "id\ttext\na\tthe cat\na\tthe dog\n");
        e = assertThrows(Exception.class, () -> ScoreJob.run(spark, new ScoreJob.Request(teachers, dup.toString(), null, Columns.DEFAULT, mc, 4, 128,
                "java", 1, null, tmp.resolve("dup.jsonl").toString(), null, false)));
        assertTrue(MukiSpark.userError(e).getMessage().contains("duplicate id 'a'"), String.valueOf(e));

        e = assertThrows(Exception.class, () -> ScoreJob.run(spark, new ScoreJob.Request(teachers, data.toString(), null,
                new Columns("id", "sentence", "text_pair", "label"), mc, 4, 128, "java", 1, null, tmp.resolve("x.jsonl").toString(), null, false)));
        assertTrue(MukiSpark.userError(e).getMessage().contains("no column 'sentence'"), String.valueOf(e));

        e = assertThrows(MukiException.class, () -> TaskModels.teacher(tmp.resolve("gone").toString(), "0"));
        assertTrue(e.getMessage().contains("no such model directory"), e.getMessage());
        // An executor's copy of the teacher with another vocabulary (one word piece changed): refused, for score and predict.
        Path copy = Files.createDirectories(tmp.resolve("executor-copy"));
        try (var files = Files.list(fixture)) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, copy.resolve(f.getFileName()));
        }
        String driver = TaskModels.contentHash(fixture);
        Path vocab = Files.exists(copy.resolve("vocab.txt")) ? copy.resolve("vocab.txt") : copy.resolve("tokenizer.json");
        assertTrue(Files.exists(vocab), "the fixture has a vocabulary");
        Files.writeString(vocab, Files.readString(vocab).replaceFirst("the", "teh"));
        for (org.junit.jupiter.api.function.Executable load : List.<org.junit.jupiter.api.function.Executable>of(
                () -> TaskModels.teacher(copy.toString(), driver), () -> TaskModels.checkpoint(copy.toString(), driver))) {
            e = assertThrows(MukiException.class, load);
            assertTrue(e.getMessage().contains("executor-copy") && e.getMessage().contains("differ from the driver's"), e.getMessage());
        }
        assertEquals(driver, TaskModels.contentHash(fixture), "the hash is a function of the files");
        assertTrue(TaskModels.teacher(fixture.toString(), driver) != null, "the driver's own copy passes");

        Files.createDirectories(tmp.resolve("unfinished"));
        Files.writeString(tmp.resolve("unfinished/part-00000"), "{}\n");
        e = assertThrows(MukiException.class, () -> Output.merge(tmp.resolve("unfinished").toString(), tmp.resolve("m.jsonl").toString(), false,
                spark.sparkContext().hadoopConfiguration()));
        assertTrue(e.getMessage().contains("no _SUCCESS"), e.getMessage());

        assertEquals(2, MukiSpark.run(new String[] {"score", "--teachers", fixture.toString(), "--data", data.toString(), "--out",
                tmp.resolve("cli.jsonl").toString(), "--master", "local[1]"}));
    }
}
