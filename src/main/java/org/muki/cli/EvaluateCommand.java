package org.muki.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.eval.Charts;
import org.muki.eval.Evaluator;
import org.muki.integration.LabelSpace;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * ./muki evaluate: the spec's evaluation of a student on a labelled test split, as a Markdown
 * table on stdout and, with --out, report.md, report.json and (with scores) figure2.png.
 */
final class EvaluateCommand {
    private EvaluateCommand() {}

    static int run(String[] argv) {
        Set<String> options = new HashSet<>(Set.of("model", "data", "teachers", "gold", "scores", "out", "tau", "temperature",
                "batch-size", "max-length", "backend", "threads"));
        options.addAll(TrainCommand.DATA_OPTIONS);
        Args args = Args.parse("evaluate", argv, 1, options, Set.of("skip-bad-rows", "overwrite"));
        if (args.flag("out") && java.nio.file.Files.exists(Path.of(args.required("out")).resolve("report.json")) && !args.flag("overwrite")) {
            throw new MukiException("evaluate: " + args.required("out") + " already holds a report (pass --overwrite to replace it)");
        }
        Path modelDir = org.muki.io.Pretrained.resolve(args.required("model"), CliLog::line);
        HfCheckpoint student = HfCheckpoint.load(modelDir);
        Path dataFile = Path.of(args.required("data"));
        Dataset test = Dataset.read(dataFile, TrainCommand.columns(args), Dataset.Labels.REQUIRED, args.flag("skip-bad-rows"));
        TrainCommand.report(test);
        List<Teacher> teachers = args.flag("teachers") ? ScoreCommand.teachers(args.required("teachers")) : List.of();
        List<String> studentLabels = student.config().labels();
        LabelSpace space = teachers.isEmpty() ? LabelSpace.of(List.of(studentLabels), studentLabels)
                : LabelSpace.of(teachers.stream().map(Teacher::labels).toList(), studentLabels);
        List<Example> rows = TrainCommand.inBlock(test, studentLabels, "test");
        int[] gold = rows.stream().mapToInt(e -> studentLabels.indexOf(e.label())).toArray();
        ScoreFile scores = null;
        if (args.flag("scores")) {
            if (teachers.isEmpty()) throw new MukiException("evaluate: --scores needs --teachers");
            scores = ScoreFile.read(Path.of(args.required("scores")));
            scores.check(teachers, dataFile);
        }
        if (args.flag("gold") && scores == null) throw new MukiException("evaluate: --gold needs --teachers and --scores");
        int batch = args.integer("batch-size", 64, 1), maxLength = args.integer("max-length", 128, 3);
        double[] studentProbs, goldProbs = null;
        try (Ops ops = Backends.create(args.string("backend", "java"), args.integer("threads", Runtime.getRuntime().availableProcessors(), 1))) {
            studentProbs = Evaluator.probabilities(student, modelDir, ops, rows, studentLabels, maxLength, batch);
            if (args.flag("gold")) {
                Path goldDir = org.muki.io.Pretrained.resolve(args.required("gold"), CliLog::line);
                goldProbs = Evaluator.probabilities(HfCheckpoint.load(goldDir), goldDir, ops, rows,
                        studentLabels, maxLength, batch);
            }
        }
        Evaluator.Result r = Evaluator.evaluate(rows, studentProbs, gold, space, scores, goldProbs,
                args.number("tau", 0.2, 1e-6, 1e6), args.number("temperature", 1.0, 1e-6, 1e6));
        String table = markdown(modelDir.toString(), r.metrics());
        System.out.print(table);
        if (args.flag("out")) {
            Path out = Path.of(args.required("out"));
            AtomicFiles.write(out.resolve("report.md"), os -> os.write(table.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            ObjectNode json = Json.MAPPER.createObjectNode();
            json.put("model", modelDir.toString()).put("data", dataFile.toString()).put("rows", rows.size());
            ObjectNode m = json.putObject("metrics");
            r.metrics().forEach((k, v) -> putNumber(m, k, v));
            AtomicFiles.write(out.resolve("report.json"), os -> os.write(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(json)));
            if (scores != null) {
                Charts.uncertaintyHistograms(out.resolve("figure2.png"), r.correctSingle(), r.wrongSingle(), r.correctMc(), r.wrongMc());
            }
        }
        return 0;
    }

    static void putNumber(ObjectNode o, String k, double v) {
        if (Double.isNaN(v)) o.putNull(k);
        else o.put(k, v);
    }

    static String markdown(String name, Map<String, Double> metrics) {
        StringBuilder b = new StringBuilder("| " + name + " | value |\n|---|---|\n");
        metrics.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(Double.isNaN(v) ? "n/a" : String.format("%.4f", v)).append(" |\n"));
        return b.toString();
    }
}
