package org.muki.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.apache.commons.math3.stat.inference.TTest;

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
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * ./muki experiment: the whole pipeline from one YAML or JSON file: data, one teacher per label
 * block, the gold teacher, MC-dropout scores of the transfer and test sets, one student per
 * method and seed, their evaluation, and the comparison table with the task's anchors on top.
 * Every step writes into the run folder and is skipped when its output is already there, so an
 * interrupted experiment continues where it stopped. ./muki demo is this on the bundled
 * brown-demo configuration.
 */
final class ExperimentCommand {
    private ExperimentCommand() {}

    /** The settings of a run, each read from the config file with its default. */
    record Config(String name, JsonNode data, int transferSize, int testSize, JsonNode partition, String teacherConfig,
                  int teacherEpochs, double teacherLr, String studentConfig, int studentEpochs, double studentLr, int mcSamples,
                  double tau, double temperature, double featureWeight, List<String> methods, List<Long> seeds, int batchSize, int maxLength) {}

    static int demo(String[] argv) throws IOException {
        return run(argv, "demo", "wordnet-3-teachers");
    }

    static int run(String[] argv) throws IOException {
        return run(argv, "experiment", null);
    }

    private static int run(String[] argv, String command, String builtIn) throws IOException {
        Set<String> options = builtIn == null ? Set.of("config", "out", "backend", "threads", "vocab")
                : Set.of("out", "backend", "threads", "vocab");
        Args args = Args.parse(command, argv, 1, options, Set.of());
        String source = builtIn != null ? builtIn : args.required("config");
        Config c = parse(source, load(source));
        Path out = Path.of(args.string("out", "runs/" + c.name()));
        String backend = args.string("backend", "java");
        String threads = args.string("threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
        Path vocab = Path.of(args.string("vocab", ".cache/bert-base-uncased/vocab.txt"));
        if (!Files.isRegularFile(vocab)) {
            throw new MukiException(command + ": " + vocab + " is missing: run tools/fetch_bert_vocab.sh or pass --vocab");
        }
        long started = System.nanoTime();
        Files.createDirectories(out);
        System.err.println("muki: " + command + " " + c.name() + " into " + out);

        // 1. Data: the train/test splits, a transfer sample of train (unlabelled for the student), a test sample.
        Path dataDir = out.resolve("data");
        List<Example> train, test;
        Columns columns = Columns.DEFAULT;
        if (c.data().has("wordnet") || c.data().has("brown")) {
            Path trainFile = dataDir.resolve("train.tsv"), testFile = dataDir.resolve("test.tsv");
            if (!Files.exists(testFile) && c.data().has("wordnet")) {
                JsonNode w = c.data().get("wordnet");
                List<String> classes = new ArrayList<>();
                w.path("classes").forEach(x -> classes.add(x.asText()));
                WordNetCommand.write(dataDir, WordNetNouns.load(classes.isEmpty() ? WordNetNouns.DEFAULT_CLASSES : classes,
                        w.path("cap").asInt(2000), w.path("seed").asLong(0)));
            } else if (!Files.exists(testFile)) {
                BrownCorpus.Splits s = BrownCorpus.load(c.data().get("brown").path("sentences").asInt(3));
                Dataset.writeTsv(trainFile, s.train());
                Dataset.writeTsv(testFile, s.test());
            }
            train = Dataset.read(trainFile, columns, Dataset.Labels.REQUIRED, false).examples();
            test = Dataset.read(testFile, columns, Dataset.Labels.REQUIRED, false).examples();
        } else {
            if (!c.data().has("train") || !c.data().has("test")) {
                throw new MukiException(source + ": data needs brown, wordnet, or both train and test files");
            }
            columns = new Columns(c.data().path("id_column").asText("id"), c.data().path("text_column").asText("text"),
                    c.data().path("text_pair_column").asText("text_pair"), c.data().path("label_column").asText("label"));
            train = Dataset.read(Path.of(c.data().get("train").asText()), columns, Dataset.Labels.REQUIRED, false).examples();
            test = Dataset.read(Path.of(c.data().get("test").asText()), columns, Dataset.Labels.REQUIRED, false).examples();
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
        List<List<String>> blocks = partition(source, c.partition(), labels);

        // 2. Teachers, one per block, and the gold teacher on all labels.
        List<Path> teacherDirs = new ArrayList<>();
        for (int i = 0; i <= blocks.size(); i++) {
            boolean gold = i == blocks.size();
            Path dir = out.resolve("teachers").resolve(gold ? "gold" : "teacher-" + (i + 1));
            if (!gold) teacherDirs.add(dir);
            if (Files.exists(dir.resolve(HfCheckpoint.WEIGHTS))) continue;
            System.err.println("muki: training " + (gold ? "the gold teacher" : "teacher " + (i + 1) + " on " + blocks.get(i)));
            List<String> a = new ArrayList<>(List.of("train", "--data", teacherTrainFile.toString(), "--eval", teacherTestFile.toString(),
                    "--config", c.teacherConfig(), "--vocab", vocab.toString(), "--out", dir.toString(),
                    "--epochs", Integer.toString(c.teacherEpochs()), "--lr", Double.toString(c.teacherLr()),
                    "--batch-size", Integer.toString(c.batchSize()), "--max-length", Integer.toString(c.maxLength()),
                    "--backend", backend, "--threads", threads, "--seed", "0"));
            if (!gold) a.addAll(List.of("--labels", String.join(",", blocks.get(i))));
            TrainCommand.run(a.toArray(String[]::new));
        }
        Path goldDir = out.resolve("teachers").resolve("gold");
        String teachers = String.join(",", teacherDirs.stream().map(Path::toString).toList());

        // 3. Scores of the transfer set (for the students) and of the test sample (for the evaluation).
        Path transferScores = out.resolve("scores").resolve("transfer.jsonl"), testScores = out.resolve("scores").resolve("test.jsonl");
        for (Path[] s : new Path[][] {{transferFile, transferScores}, {evalFile, testScores}}) {
            if (Files.exists(s[1])) continue;
            ScoreCommand.run(new String[] {"score", "--teachers", teachers, "--data", s[0].toString(), "--out", s[1].toString(),
                    "--mc-samples", Integer.toString(c.mcSamples()), "--seed", "0", "--batch-size", Integer.toString(c.batchSize()),
                    "--max-length", Integer.toString(c.maxLength()), "--backend", backend, "--threads", threads});
        }

        // 4. Students: one per method and seed.
        for (long seed : c.seeds()) {
            for (String method : c.methods()) {
                Path dir = out.resolve("students").resolve("seed-" + seed).resolve(method);
                if (Files.exists(dir.resolve(HfCheckpoint.WEIGHTS))) continue;
                System.err.println("muki: student " + method + ", seed " + seed);
                IntegrateCommand.run(new String[] {"integrate", "--method", method, "--teachers", teachers,
                        "--data", transferFile.toString(), "--scores", transferScores.toString(), "--eval", evalFile.toString(),
                        "--config", c.studentConfig(), "--vocab", vocab.toString(), "--out", dir.toString(),
                        "--epochs", Integer.toString(c.studentEpochs()), "--lr", Double.toString(c.studentLr()),
                        "--batch-size", Integer.toString(c.batchSize()), "--max-length", Integer.toString(c.maxLength()),
                        "--tau", Double.toString(c.tau()), "--temperature", Double.toString(c.temperature()),
                        "--feature-weight", Double.toString(c.featureWeight()),
                        "--seed", Long.toString(seed), "--backend", backend, "--threads", threads});
            }
        }

        // 5. Evaluation and the report.
        LabelSpace space = LabelSpace.of(blocks, null);
        int[] gold = evalRows.stream().mapToInt(e -> space.labels().indexOf(e.label())).toArray();
        ScoreFile scores = ScoreFile.read(testScores);
        Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
        Map<String, Double> shared;
        Map<String, double[]> curves = new LinkedHashMap<>();
        try (Ops ops = Backends.create(backend, Integer.parseInt(threads))) {
            double[] goldProbs = Evaluator.probabilities(HfCheckpoint.load(goldDir), goldDir, ops, evalRows, space.labels(),
                    c.maxLength(), 64);
            Evaluator.Result teachersOnly = null;
            for (String method : c.methods()) {
                for (long seed : c.seeds()) {
                    Path dir = out.resolve("students").resolve("seed-" + seed).resolve(method);
                    double[] probs = Evaluator.probabilities(HfCheckpoint.load(dir), dir, ops, evalRows, space.labels(), c.maxLength(), 64);
                    Evaluator.Result r = Evaluator.evaluate(evalRows, probs, gold, space, scores, goldProbs, c.tau(), c.temperature());
                    results.computeIfAbsent(method, k -> new ArrayList<>()).add(r.metrics());
                    teachersOnly = r;
                    if (seed == c.seeds().get(0)) curves.put(method, epochAccuracies(dir));
                }
            }
            shared = teachersOnly.metrics();
            Charts.uncertaintyHistograms(out.resolve("figure2.png"), teachersOnly.correctSingle(), teachersOnly.wrongSingle(),
                    teachersOnly.correctMc(), teachersOnly.wrongMc());
            Charts.curves(out.resolve("curves.png"), "Student accuracy on the test sample by epoch (seed " + c.seeds().get(0) + ")",
                    "accuracy", curves);
            String report = report(c, source, blocks, train, transfer, evalRows, out, space, goldProbs, gold, shared, results);
            AtomicFiles.write(out.resolve("report.md"), os -> os.write(report.getBytes(StandardCharsets.UTF_8)));
            writeJson(out.resolve("report.json"), c, blocks, shared, results);
            System.out.print(report);
        }
        System.out.printf("%s: %s finished in %.0f s; report.md, report.json, figure2.png and curves.png are in %s%n",
                command, c.name(), (System.nanoTime() - started) / 1e9, out);
        return 0;
    }

    private static JsonNode load(String source) throws IOException {
        String text;
        if (!source.endsWith(".yaml") && !source.endsWith(".yml") && !source.endsWith(".json")) {
            try (InputStream in = ExperimentCommand.class.getResourceAsStream("/experiments/" + source + ".yaml")) {
                if (in == null) throw new MukiException(source + ": no such file or bundled experiment (brown-demo, brown-3-teachers, wordnet-3-teachers, wordnet-2-teachers)");
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } else {
            Path p = Path.of(source);
            if (!Files.isRegularFile(p)) throw new MukiException(source + ": missing");
            text = Files.readString(p);
        }
        try {
            ObjectMapper mapper = source.endsWith(".json") ? Json.MAPPER : new ObjectMapper(new YAMLFactory());
            JsonNode n = mapper.readTree(text);
            if (n == null || !n.isObject()) throw new MukiException(source + ": not a mapping of settings");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MukiException(source + ": malformed: " + e.getOriginalMessage());
        }
    }

    static Config parse(String source, JsonNode n) {
        Set<String> known = Set.of("name", "data", "teachers", "student", "mc_samples", "tau", "temperature", "feature_weight",
                "methods", "seeds", "batch_size", "max_length");
        n.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) throw new MukiException(source + ": unknown setting '" + f + "'");
        });
        JsonNode data = n.path("data"), teachers = n.path("teachers"), student = n.path("student");
        List<String> methods = new ArrayList<>();
        n.path("methods").forEach(m -> methods.add(m.asText()));
        if (methods.isEmpty()) methods.addAll(Methods.NAMES);
        for (String m : methods) Methods.check(m); // refuses unknown names now, not after hours of training
        List<Long> seeds = new ArrayList<>();
        n.path("seeds").forEach(s -> seeds.add(s.asLong()));
        if (seeds.isEmpty()) seeds.add(1L);
        return new Config(n.path("name").asText("experiment"), data, data.path("transfer_size").asInt(0),
                data.path("test_size").asInt(0), teachers.path("partition").isMissingNode() ? Json.MAPPER.valueToTree(2)
                : teachers.get("partition"), teachers.path("config").asText("models/tiny.json"), teachers.path("epochs").asInt(3),
                teachers.path("lr").asDouble(5e-4), student.path("config").asText("models/tiny.json"), student.path("epochs").asInt(3),
                student.path("lr").asDouble(5e-4), n.path("mc_samples").asInt(16), n.path("tau").asDouble(0.2),
                n.path("temperature").asDouble(1.0), n.path("feature_weight").asDouble(1.0), methods, seeds, n.path("batch_size").asInt(32), n.path("max_length").asInt(128));
    }

    /** The spec's default partition (N blocks of floor(C / N) sorted labels, the last takes the rest) or an explicit one. */
    static List<List<String>> partition(String source, JsonNode p, List<String> labels) {
        List<List<String>> blocks = new ArrayList<>();
        if (p.isInt()) {
            int n = p.asInt();
            if (n < 1 || n > labels.size()) throw new MukiException(source + ": teachers.partition must be 1.." + labels.size());
            int m = labels.size() / n;
            for (int i = 0; i < n; i++) blocks.add(labels.subList(i * m, i == n - 1 ? labels.size() : (i + 1) * m));
            return blocks;
        }
        for (JsonNode b : p) {
            List<String> block = new ArrayList<>();
            b.forEach(l -> block.add(l.asText()));
            for (String l : block) {
                if (!labels.contains(l)) throw new MukiException(source + ": teachers.partition names '" + l + "', not a label of the data");
            }
            blocks.add(block);
        }
        if (blocks.isEmpty()) throw new MukiException(source + ": teachers.partition is empty");
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

    private static String meanStd(List<Map<String, Double>> runs, String key) {
        SummaryStatistics s = new SummaryStatistics();
        for (Map<String, Double> r : runs) if (r.containsKey(key) && !r.get(key).isNaN()) s.addValue(r.get(key));
        if (s.getN() == 0) return "n/a";
        return s.getN() > 1 ? String.format("%.4f ± %.4f", s.getMean(), s.getStandardDeviation()) : String.format("%.4f", s.getMean());
    }

    private static String report(Config c, String source, List<List<String>> blocks, List<Example> train, List<Example> transfer,
                                 List<Example> test, Path out, LabelSpace space, double[] goldProbs, int[] gold,
                                 Map<String, Double> shared, Map<String, List<Map<String, Double>>> results) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(c.name()).append("\n\n");
        b.append("Configuration: `").append(source).append("`; run folder `").append(out).append("`; seeds ").append(c.seeds())
                .append("; K = ").append(c.mcSamples()).append(", tau = ").append(c.tau()).append(", T = ").append(c.temperature())
                .append(".\n\n## Task anchors\n\n");
        int[] counts = new int[space.size()];
        for (int g : gold) counts[g]++;
        int majority = 0;
        for (int i = 1; i < counts.length; i++) if (counts[i] > counts[majority]) majority = i;
        b.append(String.format("Majority class on the test rows: **%s, %.4f**. Examples: %d training (teachers), %d transfer "
                + "(student, unlabelled), %d test.%n%n", space.labels().get(majority), counts[majority] / (double) gold.length,
                train.size(), transfer.size(), test.size()));
        b.append("| block | labels | training rows | transfer rows | test rows | teacher accuracy in block |\n|---|---|---|---|---|---|\n");
        for (int i = 0; i < blocks.size(); i++) {
            Set<String> blk = Set.copyOf(blocks.get(i));
            long tr = train.stream().filter(e -> blk.contains(e.label())).count();
            long tf = transfer.stream().filter(e -> blk.contains(e.label())).count();
            long te = test.stream().filter(e -> blk.contains(e.label())).count();
            b.append(String.format("| %d | %s | %d | %d | %d | %s |%n", i + 1, String.join(", ", blocks.get(i)), tr, tf, te,
                    teacherAccuracy(out.resolve("teachers").resolve("teacher-" + (i + 1)))));
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
        b.append("## Students (last epoch; mean ± std over seeds)\n\n| method | accuracy |");
        for (int i = 0; i < blocks.size(); i++) b.append(" block ").append(i + 1).append(" |");
        b.append(" ECE |\n|---|---|");
        b.append("---|".repeat(blocks.size())).append("---|\n");
        for (var e : results.entrySet()) {
            boolean labelled = !Methods.isFeature(e.getKey()) && Methods.create(e.getKey(), 0.2, 1).needsLabels();
            b.append("| ").append(e.getKey()).append(labelled ? " (uses labels)" : "")
                    .append(" | ").append(meanStd(e.getValue(), "accuracy")).append(" |");
            for (int i = 0; i < blocks.size(); i++) b.append(" ").append(meanStd(e.getValue(), "accuracy_block_" + (i + 1))).append(" |");
            b.append(" ").append(meanStd(e.getValue(), "ece")).append(" |\n");
        }
        b.append("\n").append(pairedTests(results)).append("\n");
        return b.toString();
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

    private static void writeJson(Path file, Config c, List<List<String>> blocks, Map<String, Double> shared,
                                  Map<String, List<Map<String, Double>>> results) {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("name", c.name());
        j.set("blocks", Json.MAPPER.valueToTree(blocks));
        ObjectNode s = j.putObject("teachers");
        shared.forEach((k, v) -> {
            if (!k.startsWith("accuracy") && !k.equals("ece")) EvaluateCommand.putNumber(s, k, v);
        });
        ObjectNode m = j.putObject("students");
        for (var e : results.entrySet()) {
            var arr = m.putArray(e.getKey());
            for (Map<String, Double> run : e.getValue()) {
                ObjectNode o = arr.addObject();
                run.forEach((k, v) -> {
                    if (k.startsWith("accuracy") || k.equals("ece")) EvaluateCommand.putNumber(o, k, v);
                });
            }
        }
        AtomicFiles.write(file, os -> os.write(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(j)));
    }
}
