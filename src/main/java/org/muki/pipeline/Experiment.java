package org.muki.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.apache.commons.math3.stat.inference.TTest;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.BrownCorpus;
import org.muki.data.Columns;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.data.WordNetNouns;
import org.muki.eval.Charts;
import org.muki.eval.Evaluator;
import org.muki.integration.LabelSpace;
import org.muki.integration.Methods;
import org.muki.integration.ScoreFile;
import org.muki.integration.UncertaintyNormalization;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.tensor.Ops;

/**
 * The whole pipeline from one settings file: data (the WordNet or Brown task, or train/test
 * files), a seeded transfer sample of the training split (the student's unlabelled data) and
 * test sample, one teacher per block, the gold teacher, the MC-dropout scores of both samples,
 * one student per method and seed, their evaluation, and the report with the task's anchors on
 * top. Every step calls the pipeline in-process and writes into the run folder; a step whose
 * output exists is skipped, so an interrupted experiment continues where it stopped.
 */
public final class Experiment {
    private Experiment() {}

    /**
     * @param source where the settings came from (named in the report)
     * @param vocab  the vocabulary of every model started from a config
     */
    public record Request(ExperimentSettings settings, String source, Path out, Path vocab, Compute compute) {}

    /** The report's numbers: shared (teachers, selection, KL) and per method the runs over seeds. */
    public record Result(Path out, Map<String, Double> shared, Map<String, List<Map<String, Double>>> students, String report, double seconds) {}

    public static Result run(Request r, Listener listener) {
        ExperimentSettings c = r.settings();
        Path out = r.out();
        long started = System.nanoTime();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new MukiException(out + ": cannot create (" + e.getMessage() + ")");
        }
        checkSameSettings(out, c);
        int batch = c.batchSizeOrDefault(), maxLength = c.maxLengthOrDefault();
        List<String> methods = c.methodsOrDefault();
        List<Long> seeds = c.seedsOrDefault();

        // 1. Data: the train/test splits, a transfer sample of train (unlabelled for the student), a test sample.
        Path dataDir = out.resolve("data");
        List<Example> train, test;
        var d = c.data();
        if (d.wordnet() != null || d.brown() != null) {
            Path trainFile = dataDir.resolve("train.tsv"), testFile = dataDir.resolve("test.tsv");
            if (!Files.exists(testFile) && d.wordnet() != null) {
                var w = d.wordnet();
                WordNetNouns.Splits s = WordNetNouns.load(w.classes() == null || w.classes().isEmpty() ? WordNetNouns.DEFAULT_CLASSES : w.classes(),
                        w.cap() != null ? w.cap() : ExperimentSettings.DEFAULT_WORDNET_CAP, w.seed() != null ? w.seed() : 0);
                Dataset.writeTsv(trainFile, s.train());
                Dataset.writeTsv(dataDir.resolve("validation.tsv"), s.validation());
                Dataset.writeTsv(testFile, s.test());
                AtomicFiles.write(dataDir.resolve("LICENSE-wordnet.txt"), os -> os.write(s.license().getBytes(StandardCharsets.UTF_8)));
            } else if (!Files.exists(testFile)) {
                BrownCorpus.Splits s = BrownCorpus.load(d.brown().sentences() != null ? d.brown().sentences() : ExperimentSettings.DEFAULT_BROWN_SENTENCES);
                Dataset.writeTsv(trainFile, s.train());
                Dataset.writeTsv(testFile, s.test());
            }
            train = Dataset.read(trainFile, Columns.DEFAULT, Dataset.Labels.REQUIRED, false).examples();
            test = Dataset.read(testFile, Columns.DEFAULT, Dataset.Labels.REQUIRED, false).examples();
        } else {
            DataOptions own = new DataOptions(new Columns(or(d.idColumn(), "id"), or(d.textColumn(), "text"), or(d.textPairColumn(), "text_pair"),
                    or(d.labelColumn(), "label")), false, d.labelNames() == null ? List.of() : d.labelNames());
            train = own.read(Installation.resolve(d.train()), Dataset.Labels.REQUIRED, listener).examples();
            test = own.read(Installation.resolve(d.test()), Dataset.Labels.REQUIRED, listener).examples();
        }
        Path transferFile = dataDir.resolve("transfer.tsv"), evalFile = dataDir.resolve("test-sample.tsv");
        Path teacherTrainFile = dataDir.resolve("teacher-train.tsv"), teacherTestFile = dataDir.resolve("teacher-test.tsv");
        if (!Files.exists(evalFile)) {
            Dataset.writeTsv(teacherTrainFile, train);
            Dataset.writeTsv(teacherTestFile, test);
            Dataset.writeTsv(transferFile, sample(train, c.transferSize(), 17));
            Dataset.writeTsv(evalFile, sample(test, c.testSize(), 18));
        }
        List<Example> transfer = Dataset.read(transferFile, Columns.DEFAULT, Dataset.Labels.REQUIRED, false).examples();
        List<Example> evalRows = Dataset.read(evalFile, Columns.DEFAULT, Dataset.Labels.REQUIRED, false).examples();
        List<String> labels = List.copyOf(new java.util.TreeSet<>(train.stream().map(Example::label).toList()));
        List<List<String>> blocks = partition(r.source(), c.partitionOrDefault(), labels);
        int steps = blocks.size() + 1 + 2 + methods.size() * seeds.size() + 1, step = 0;

        // 2. Teachers, one per block, and the gold teacher on all labels.
        List<Path> teacherDirs = new ArrayList<>();
        for (int i = 0; i <= blocks.size(); i++) {
            boolean gold = i == blocks.size();
            Path dir = out.resolve("teachers").resolve(gold ? "gold" : "teacher-" + (i + 1));
            if (!gold) teacherDirs.add(dir);
            listener.stage(++step, steps, gold ? "the gold teacher" : "teacher " + (i + 1) + " on " + blocks.get(i));
            if (Files.exists(dir.resolve(HfCheckpoint.WEIGHTS))) continue;
            ExperimentSettings.ModelSettings m = gold ? c.goldOrDefault() : c.teacher(i);
            TrainOptions o = TrainOptions.defaults().withEpochs(m.epochs()).withLr(m.lr()).withBatchSize(batch).withMaxLength(maxLength).withSeed(0);
            Train.run(new Train.Request(teacherTrainFile, teacherTestFile, source(m, r.vocab()), dir, gold ? null : blocks.get(i), o,
                    DataOptions.defaults(), r.compute(), false), listener);
        }
        Path goldDir = out.resolve("teachers").resolve("gold");
        List<String> teachers = teacherDirs.stream().map(Path::toString).toList();

        // 3. Scores of the transfer set (for the students) and of the test sample (for the evaluation).
        Path transferScores = out.resolve("scores").resolve("transfer.jsonl"), testScores = out.resolve("scores").resolve("test.jsonl");
        McOptions mc = new McOptions(c.mcSamplesOrDefault(), 0, null, null);
        for (Path[] s : new Path[][] {{transferFile, transferScores}, {evalFile, testScores}}) {
            listener.stage(++step, steps, "scores of " + s[0].getFileName());
            if (Files.exists(s[1])) continue;
            Score.run(new Score.Request(teachers, s[0], s[1], mc, batch, maxLength, DataOptions.defaults(), r.compute(), false), listener);
        }

        // 4. Students: one per method and seed.
        ExperimentSettings.ModelSettings sm = c.studentOrDefault();
        for (long seed : seeds) {
            for (String method : methods) {
                Path dir = out.resolve("students").resolve("seed-" + seed).resolve(method);
                listener.stage(++step, steps, "student " + method + ", seed " + seed);
                if (Files.exists(dir.resolve(HfCheckpoint.WEIGHTS))) continue;
                TrainOptions o = TrainOptions.defaults().withEpochs(sm.epochs()).withLr(sm.lr()).withBatchSize(batch).withMaxLength(maxLength)
                        .withSeed(seed);
                Integrate.run(new Integrate.Request(method, teachers, transferFile, transferScores, source(sm, r.vocab()), dir, evalFile, null,
                        c.tauOrDefault(), c.temperatureOrDefault(), c.featureWeightOrDefault(), c.normalizationOrDefault(), o,
                        DataOptions.defaults(), r.compute(), false), listener);
            }
        }

        // 5. Evaluation and the report.
        listener.stage(++step, steps, "evaluation and report");
        LabelSpace space = LabelSpace.of(blocks, null);
        int[] gold = evalRows.stream().mapToInt(e -> space.labels().indexOf(e.label())).toArray();
        ScoreFile scores = ScoreFile.read(testScores);
        ScoreFile transferFileScores = ScoreFile.read(transferScores);
        Map<String, UncertaintyNormalization> normalizations = new LinkedHashMap<>();
        for (UncertaintyNormalization.Kind k : List.of(UncertaintyNormalization.Kind.PERCENTILE, UncertaintyNormalization.Kind.ZSCORE)) {
            normalizations.put(k.name().toLowerCase(java.util.Locale.ROOT), UncertaintyNormalization.fit(k, transferFileScores.instances().values()));
        }
        UncertaintyNormalization.Kind used = UncertaintyNormalization.kind(c.normalizationOrDefault());
        UncertaintyNormalization targets = used == UncertaintyNormalization.Kind.NONE ? null
                : UncertaintyNormalization.fit(used, transferFileScores.instances().values());
        Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
        Map<String, Double> shared;
        Map<String, double[]> curves = new LinkedHashMap<>();
        Evaluator.Result teachersOnly = null;
        String headline = methods.contains("muki-soft-margin") ? "muki-soft-margin" : methods.get(0);
        double[] headlineProbs = null;
        try (Ops ops = r.compute().open()) {
            double[] goldProbs = Evaluator.probabilities(HfCheckpoint.load(goldDir), goldDir, ops, evalRows, space.labels(), maxLength, 64);
            for (String method : methods) {
                for (long seed : seeds) {
                    Path dir = out.resolve("students").resolve("seed-" + seed).resolve(method);
                    double[] probs = Evaluator.probabilities(HfCheckpoint.load(dir), dir, ops, evalRows, space.labels(), maxLength, 64);
                    Evaluator.Result res = Evaluator.evaluate(evalRows, probs, gold, space, scores, goldProbs, c.tauOrDefault(),
                            c.temperatureOrDefault(), normalizations, targets);
                    results.computeIfAbsent(method, k -> new ArrayList<>()).add(res.metrics());
                    teachersOnly = res;
                    if (seed == seeds.get(0)) curves.put(method, epochAccuracies(dir));
                    if (seed == seeds.get(0) && method.equals(headline)) headlineProbs = probs;
                }
            }
        }
        shared = teachersOnly.metrics();
        Charts.uncertaintyHistograms(out.resolve("figure2.png"), teachersOnly.correctSingle(), teachersOnly.wrongSingle(),
                teachersOnly.correctMc(), teachersOnly.wrongMc());
        Charts.curves(out.resolve("curves.png"), "Student accuracy on the test sample by epoch (seed " + seeds.get(0) + ")", "accuracy", curves);
        Map<String, double[]> accuracies = new LinkedHashMap<>();
        results.forEach((m, runs) -> accuracies.put(m, runs.stream().mapToDouble(x -> x.get("accuracy")).toArray()));
        String student = headline + ", seed " + seeds.get(0);
        String pictures = org.muki.eval.Pictures.draw(out, blocks, space.labels(), gold, teachersOnly, headlineProbs, student, accuracies);
        String report = report(c, r.source(), blocks, train, transfer, evalRows, out, space, gold, shared, teachersOnly.selection(), results)
                + pictures;
        AtomicFiles.write(out.resolve("report.md"), os -> os.write(report.getBytes(StandardCharsets.UTF_8)));
        org.muki.eval.HtmlReport.write(out, c.nameOrDefault() + ": MUKI experiment report", report);
        writeJson(out.resolve("report.json"), c, blocks, shared, results);
        return new Result(out, shared, results, report, (System.nanoTime() - started) / 1e9);
    }

    /**
     * A run folder continues only the run that made it: its settings (all but the name, the
     * methods and the seeds, which a continued run may extend) are kept in settings.json, and other
     * settings are refused instead of mixing their results with the old ones.
     */
    private static final com.fasterxml.jackson.databind.ObjectMapper SETTINGS_JSON = Json.MAPPER.copy()
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

    static void checkSameSettings(Path out, ExperimentSettings c) {
        ExperimentSettings kept = new ExperimentSettings(null, c.data(), c.teachers(), c.student(), c.gold(), c.mcSamplesOrDefault(),
                c.tauOrDefault(), c.temperatureOrDefault(), c.featureWeightOrDefault(), c.normalizationOrDefault(), null, null,
                c.batchSizeOrDefault(), c.maxLengthOrDefault());
        Path file = out.resolve("settings.json");
        // Through text, as the file is read back: a long written is an int read (LongNode(0) != IntNode(0)).
        JsonNode now;
        try {
            now = Json.MAPPER.readTree(SETTINGS_JSON.writeValueAsBytes(kept));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (Files.exists(file)) {
            JsonNode before = Json.read(file);
            if (!before.equals(now)) {
                List<String> changed = new ArrayList<>();
                now.fieldNames().forEachRemaining(k -> {
                    if (!now.get(k).equals(before.get(k))) changed.add(k);
                });
                throw new MukiException(out + " holds a run with other settings (" + String.join(", ", changed) + " differ from its settings.json): "
                        + "choose another --out, or delete it to start over");
            }
            return;
        }
        AtomicFiles.write(file, os -> os.write(SETTINGS_JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(now)));
    }

    private static String or(String v, String def) {
        return v != null ? v : def;
    }

    /** A model setting as a start: its config with the run's vocabulary, or its checkpoint. */
    private static ModelSource source(ExperimentSettings.ModelSettings m, Path vocab) {
        if (m.init() != null) return ModelSource.checkpoint(m.init());
        if (!Files.isRegularFile(vocab)) {
            throw new MukiException(vocab + " is missing: run tools/fetch_bert_vocab.sh or pass --vocab");
        }
        return ModelSource.fresh(Installation.resolve(m.config()), vocab);
    }

    /** The spec's default partition (N blocks of floor(C / N) sorted labels, the last takes the rest) or an explicit one. */
    static List<List<String>> partition(String source, JsonNode p, List<String> labels) {
        List<List<String>> blocks = new ArrayList<>();
        if (p.isInt()) {
            int n = p.asInt();
            if (n < 1 || n > labels.size()) throw new MukiException(source + ": setting 'teachers.partition' must be 1.." + labels.size());
            int m = labels.size() / n;
            for (int i = 0; i < n; i++) blocks.add(labels.subList(i * m, i == n - 1 ? labels.size() : (i + 1) * m));
            return blocks;
        }
        for (JsonNode b : p) {
            List<String> block = new ArrayList<>();
            b.forEach(l -> block.add(l.asText()));
            for (String l : block) {
                if (!labels.contains(l)) throw new MukiException(source + ": setting 'teachers.partition' names '" + l + "', not a label of the data");
            }
            blocks.add(block);
        }
        return blocks;
    }

    private static List<Example> sample(List<Example> all, int size, long seed) {
        if (size <= 0 || size >= all.size()) return all;
        List<Example> copy = new ArrayList<>(all);
        java.util.Collections.shuffle(copy, new java.util.Random(seed));
        return copy.subList(0, size);
    }

    private static double[] epochAccuracies(Path studentDir) {
        JsonNode log = Json.read(studentDir.resolve("training_log.json"));
        double[] acc = new double[log.get("epochs").size()];
        for (int i = 0; i < acc.length; i++) acc[i] = log.get("epochs").get(i).path("eval_accuracy").asDouble(Double.NaN);
        return acc;
    }

    static String meanStd(List<Map<String, Double>> runs, String key) {
        SummaryStatistics s = new SummaryStatistics();
        for (Map<String, Double> r : runs) if (r.containsKey(key) && !r.get(key).isNaN()) s.addValue(r.get(key));
        if (s.getN() == 0) return "n/a";
        return s.getN() > 1 ? String.format("%.4f ± %.4f", s.getMean(), s.getStandardDeviation()) : String.format("%.4f", s.getMean());
    }

    private static String report(ExperimentSettings c, String source, List<List<String>> blocks, List<Example> train, List<Example> transfer,
                                 List<Example> test, Path out, LabelSpace space, int[] gold, Map<String, Double> shared,
                                 Map<String, int[][]> selection, Map<String, List<Map<String, Double>>> results) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(c.nameOrDefault()).append("\n\n");
        b.append("Configuration: `").append(source).append("`; run folder `").append(out).append("`; seeds ").append(c.seedsOrDefault())
                .append("; K = ").append(c.mcSamplesOrDefault()).append(", tau = ").append(c.tauOrDefault()).append(", T = ")
                .append(c.temperatureOrDefault()).append(", uncertainty normalisation: ").append(c.normalizationOrDefault())
                .append(".\n\n## Task anchors\n\n");
        int[] counts = new int[space.size()];
        for (int g : gold) counts[g]++;
        int majority = 0;
        for (int i = 1; i < counts.length; i++) if (counts[i] > counts[majority]) majority = i;
        b.append(String.format("Majority class on the test rows: **%s, %.4f**. Examples: %d training (teachers), %d transfer "
                + "(student, unlabelled), %d test.%n%n", space.labels().get(majority), counts[majority] / (double) gold.length,
                train.size(), transfer.size(), test.size()));
        b.append("| block | labels | teacher | training rows | transfer rows | test rows | teacher accuracy in block |\n|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < blocks.size(); i++) {
            Set<String> blk = Set.copyOf(blocks.get(i));
            long tr = train.stream().filter(e -> blk.contains(e.label())).count();
            long tf = transfer.stream().filter(e -> blk.contains(e.label())).count();
            long te = test.stream().filter(e -> blk.contains(e.label())).count();
            ExperimentSettings.ModelSettings m = c.teacher(i);
            b.append(String.format("| %d | %s | %s | %d | %d | %d | %s |%n", i + 1, String.join(", ", blocks.get(i)),
                    m.init() != null ? m.init() : m.config(), tr, tf, te, teacherAccuracy(out.resolve("teachers").resolve("teacher-" + (i + 1)))));
        }
        b.append(String.format("%n| anchor (test rows) | value |%n|---|---|%n"
                        + "| gold teacher (all labels) | %.4f |%n"
                        + "| teacher selection, MC dropout | %.4f |%n| teacher selection, single-pass entropy | %.4f |%n"
                        + "| teachers alone, teacher chosen by MC dropout | %.4f |%n"
                        + "| teachers alone, teacher chosen by single-pass entropy | %.4f |%n"
                        + "| teachers alone, oracle teacher choice | %.4f |%n"
                        + "| KL(gold ‖ concat target) | %.4f |%n| KL(gold ‖ hard target) | %.4f |%n| KL(gold ‖ soft target) | %.4f |%n%n"
                        + "Targets are smoothed by %.0e before the KL. \"Teachers alone\" predicts with the chosen teacher's own argmax.%n%n",
                shared.get("gold_teacher_accuracy"), shared.get("selection_accuracy_mc"), shared.get("selection_accuracy_entropy"),
                shared.get("teachers_accuracy_mc_choice"), shared.get("teachers_accuracy_entropy_choice"),
                shared.get("teachers_accuracy_oracle_choice"), shared.get("kl_gold_concat"), shared.get("kl_gold_hard"),
                shared.get("kl_gold_soft"), Evaluator.KL_EPSILON));
        b.append(selectionTable(blocks.size(), shared, selection));
        b.append("## Students (last epoch; mean ± std over seeds)\n\n| method | accuracy |");
        for (int i = 0; i < blocks.size(); i++) b.append(" block ").append(i + 1).append(" |");
        b.append(" ECE |\n|---|---|");
        b.append("---|".repeat(blocks.size())).append("---|\n");
        for (var e : results.entrySet()) {
            boolean labelled = !Methods.isFeature(e.getKey()) && Methods.create(e.getKey(), 0.2, 1).needsLabels();
            b.append("| ").append(e.getKey()).append(labelled ? " (uses labels)" : "").append(" | ").append(meanStd(e.getValue(), "accuracy")).append(" |");
            for (int i = 0; i < blocks.size(); i++) b.append(" ").append(meanStd(e.getValue(), "accuracy_block_" + (i + 1))).append(" |");
            b.append(" ").append(meanStd(e.getValue(), "ece")).append(" |\n");
        }
        b.append("\n").append(pairedTests(results)).append("\n");
        return b.toString();
    }

    /**
     * Teacher selection by score kind (MC dropout, single-pass entropy) and per-teacher
     * normalisation (none, percentile, z-score): overall accuracy and, per gold block, the share
     * of its test rows whose chosen teacher is the block's own.
     */
    static String selectionTable(int teachers, Map<String, Double> shared, Map<String, int[][]> selection) {
        StringBuilder b = new StringBuilder("Teacher selection (the chosen teacher's block holds the gold label); the normalisations are "
                + "fitted on the transfer set's scores, no labels read:\n\n| scores | normalisation | overall |");
        for (int i = 0; i < teachers; i++) b.append(" block ").append(i + 1).append(" |");
        b.append("\n|---|---|---|").append("---|".repeat(teachers)).append("\n");
        for (String kind : List.of("mc", "entropy")) {
            for (String norm : List.of("", "_percentile", "_zscore")) {
                int[][] m = selection.get(kind + norm);
                if (m == null) continue;
                b.append("| ").append(kind.equals("mc") ? "MC dropout" : "single-pass entropy").append(" | ")
                        .append(norm.isEmpty() ? "none" : norm.substring(1)).append(" | ")
                        .append(String.format("%.4f", shared.get("selection_accuracy_" + kind + norm))).append(" |");
                for (int g = 0; g < teachers; g++) {
                    int rowTotal = 0;
                    for (int v : m[g]) rowTotal += v;
                    b.append(String.format(" %.4f |", rowTotal == 0 ? Double.NaN : m[g][g] / (double) rowTotal));
                }
                b.append("\n");
            }
        }
        return b.append("\n").toString();
    }

    private static String teacherAccuracy(Path dir) {
        JsonNode epochs = Json.read(dir.resolve("training_log.json")).get("epochs");
        return String.format("%.4f", epochs.get(epochs.size() - 1).path("eval_accuracy").asDouble());
    }

    /** Paired t-tests on accuracy across seeds: the MUKI method against each baseline present. */
    static String pairedTests(Map<String, List<Map<String, Double>>> results) {
        String muki = results.containsKey("muki-soft-margin") ? "muki-soft-margin" : null;
        if (muki == null) return "No paired test: muki-soft-margin is not among the methods.";
        StringBuilder b = new StringBuilder("Paired t-tests on accuracy over seeds (muki-soft-margin minus baseline):\n\n");
        for (String base : new String[] {"vanilla-kd", "uhc", "entropy"}) {
            if (!results.containsKey(base)) continue;
            double[] a = results.get(muki).stream().mapToDouble(m -> m.get("accuracy")).toArray();
            double[] z = results.get(base).stream().mapToDouble(m -> m.get("accuracy")).toArray();
            double diff = 0;
            for (int i = 0; i < a.length; i++) diff += (a[i] - z[i]) / a.length;
            if (a.length < 2) {
                b.append(String.format("- vs %s: mean difference %+.4f; no test with one seed, so no claim.%n", base, diff));
            } else {
                double p = new TTest().pairedTTest(a, z);
                b.append(String.format("- vs %s: mean difference %+.4f, p = %.4f over %d seeds%s.%n", base, diff, p, a.length,
                        p < 0.05 ? "" : " (not significant at 0.05)"));
            }
        }
        return b.toString();
    }

    private static void writeJson(Path file, ExperimentSettings c, List<List<String>> blocks, Map<String, Double> shared,
                                  Map<String, List<Map<String, Double>>> results) {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("name", c.nameOrDefault());
        j.put("uncertainty_normalization", c.normalizationOrDefault());
        j.set("blocks", Json.MAPPER.valueToTree(blocks));
        ObjectNode s = j.putObject("teachers");
        shared.forEach((k, v) -> {
            if (!k.startsWith("accuracy") && !k.equals("ece")) Evaluate.putNumber(s, k, v);
        });
        ObjectNode m = j.putObject("students");
        for (var e : results.entrySet()) {
            var arr = m.putArray(e.getKey());
            for (Map<String, Double> run : e.getValue()) {
                ObjectNode o = arr.addObject();
                run.forEach((k, v) -> {
                    if (k.startsWith("accuracy") || k.equals("ece")) Evaluate.putNumber(o, k, v);
                });
            }
        }
        AtomicFiles.write(file, os -> os.write(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(j)));
    }
}
