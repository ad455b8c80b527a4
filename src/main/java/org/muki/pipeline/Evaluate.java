package org.muki.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.eval.Evaluator;
import org.muki.integration.LabelSpace;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.integration.UncertaintyNormalization;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.io.Pretrained;
import org.muki.tensor.Ops;

/**
 * The spec's evaluation of a student on a labelled test split: accuracy over all labels and per
 * teacher block, ECE; with the test split's teacher scores, teacher-selection accuracy of MC
 * dropout and of single-pass entropy (and, with the transfer set's scores, with each teacher's
 * uncertainty normalised against its own transfer-set distribution); with the gold teacher too,
 * KL(gold || t) of the concat, hard and soft supervision. With an output folder: report.md,
 * report.json and the pictures.
 */
public final class Evaluate {
    private Evaluate() {}

    /**
     * @param teachers        teacher directories, or empty
     * @param scores          the test split's score file (needs teachers), or null
     * @param transferScores  the transfer set's score file: fits the per-teacher normalisations
     *                        whose selection accuracies are reported too, or null
     * @param gold            the gold teacher (needs scores), or null
     * @param normalization   the normalisation of the students' targets (for KL to gold)
     * @param out             the report folder, or null
     */
    public record Request(String model, Path data, List<String> teachers, Path scores, Path transferScores, String gold, Path out,
                          double tau, double temperature, String normalization, int batchSize, int maxLength, DataOptions dataOptions,
                          Compute compute, boolean overwrite) {}

    /** The metrics by name and the evaluator's result (uncertainties, selection matrices). */
    public record Result(Map<String, Double> metrics, Evaluator.Result details, String markdown) {}

    public static Result run(Request r, Listener listener) {
        if (r.out() != null && Files.exists(r.out().resolve("report.json")) && !r.overwrite()) {
            throw new MukiException(r.out() + " already holds a report (pass --overwrite to replace it)");
        }
        Path modelDir = Pretrained.resolve(r.model(), listener::info);
        HfCheckpoint student = HfCheckpoint.load(modelDir);
        Dataset test = r.dataOptions().read(r.data(), Dataset.Labels.REQUIRED, listener);
        List<Teacher> teachers = r.teachers().isEmpty() ? List.of() : Score.teachers(r.teachers(), listener);
        List<String> studentLabels = student.config().labels();
        LabelSpace space = teachers.isEmpty() ? LabelSpace.of(List.of(studentLabels), studentLabels)
                : LabelSpace.of(teachers.stream().map(Teacher::labels).toList(), studentLabels);
        List<Example> rows = Fit.inBlock(test, studentLabels, "test", listener);
        int[] gold = rows.stream().mapToInt(e -> studentLabels.indexOf(e.label())).toArray();
        ScoreFile scores = null;
        if (r.scores() != null) {
            if (teachers.isEmpty()) throw new MukiException("evaluate: the test scores need the teachers (--teachers)");
            scores = ScoreFile.read(r.scores());
            scores.check(teachers, r.data());
        }
        if (r.gold() != null && scores == null) throw new MukiException("evaluate: the gold teacher needs the teachers and their test scores");
        Map<String, UncertaintyNormalization> normalizations = new LinkedHashMap<>();
        UncertaintyNormalization targets = null;
        if (r.transferScores() != null) {
            if (scores == null) throw new MukiException("evaluate: the transfer scores need the teachers and their test scores");
            ScoreFile transfer = ScoreFile.read(r.transferScores());
            transfer.check(teachers, null);
            for (UncertaintyNormalization.Kind k : List.of(UncertaintyNormalization.Kind.PERCENTILE, UncertaintyNormalization.Kind.ZSCORE)) {
                normalizations.put(k.name().toLowerCase(java.util.Locale.ROOT), UncertaintyNormalization.fit(k, transfer.instances().values()));
            }
            UncertaintyNormalization.Kind used = UncertaintyNormalization.kind(r.normalization());
            if (used != UncertaintyNormalization.Kind.NONE) targets = UncertaintyNormalization.fit(used, transfer.instances().values());
        } else if (UncertaintyNormalization.kind(r.normalization()) != UncertaintyNormalization.Kind.NONE) {
            throw new MukiException("evaluate: --uncertainty-normalization " + r.normalization() + " needs the transfer set's scores");
        }
        double[] studentProbs, goldProbs = null;
        try (Ops ops = r.compute().open()) {
            studentProbs = Evaluator.probabilities(student, modelDir, ops, rows, studentLabels, r.maxLength(), r.batchSize());
            if (r.gold() != null) {
                Path goldDir = Pretrained.resolve(r.gold(), listener::info);
                goldProbs = Evaluator.probabilities(HfCheckpoint.load(goldDir), goldDir, ops, rows, studentLabels, r.maxLength(), r.batchSize());
            }
        }
        Evaluator.Result res = Evaluator.evaluate(rows, studentProbs, gold, space, scores, goldProbs, r.tau(), r.temperature(), normalizations,
                targets);
        String table = markdown(modelDir.toString(), res.metrics());
        if (r.out() != null) {
            try {
                Files.createDirectories(r.out());
            } catch (java.io.IOException e) {
                throw new MukiException(r.out() + ": cannot create (" + e.getMessage() + ")");
            }
            if (scores != null) {
                org.muki.eval.Charts.uncertaintyHistograms(r.out().resolve("figure2.png"), res.correctSingle(), res.wrongSingle(),
                        res.correctMc(), res.wrongMc());
            }
            List<List<String>> blocks = teachers.isEmpty() ? List.of(studentLabels)
                    : java.util.stream.IntStream.range(0, space.teachers()).mapToObj(i -> java.util.Arrays.stream(space.blocks()[i])
                            .mapToObj(j -> space.labels().get(j)).toList()).toList();
            String report = "# Evaluation of " + modelDir.getFileName() + "\n\nModel `" + modelDir + "`, data `" + r.data() + "`, "
                    + rows.size() + " rows.\n\n" + table + "\n"
                    + org.muki.eval.Pictures.draw(r.out(), blocks, space.labels(), gold, res, studentProbs, modelDir.getFileName().toString(), null);
            AtomicFiles.write(r.out().resolve("report.md"), os -> os.write(report.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            ObjectNode json = Json.MAPPER.createObjectNode();
            json.put("model", modelDir.toString()).put("data", r.data().toString()).put("rows", rows.size());
            ObjectNode m = json.putObject("metrics");
            res.metrics().forEach((k, v) -> putNumber(m, k, v));
            AtomicFiles.write(r.out().resolve("report.json"), os -> os.write(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(json)));
            org.muki.eval.HtmlReport.write(r.out(), "Evaluation of " + modelDir.getFileName(), report);
        }
        return new Result(res.metrics(), res, table);
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
