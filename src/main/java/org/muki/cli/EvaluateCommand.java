package org.muki.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.muki.pipeline.Evaluate;

/** ./muki evaluate: the spec's evaluation of a student on a labelled test split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluates a student on labelled test data: accuracy (all labels and per teacher block) and calibration (ECE); with the teachers and their test "
                + "scores the teacher-selection accuracies; with the gold teacher the KL of the targets to it. A Markdown table on stdout; "
                + "with --out also report.md, report.json, report.html and the pictures.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|NAME", required = true, description = "the student")
    String model;

    @Option(names = "--data", paramLabel = "FILE", required = true, description = "labelled test data")
    Path data;

    @Option(names = "--teachers", paramLabel = "DIR", split = ",", description = "the teachers (the student's label space is their union)")
    List<String> teachers = List.of();

    @Option(names = "--scores", paramLabel = "FILE", description = "the teachers' score file of --data (needs --teachers)")
    Path scores;

    @Option(names = "--transfer-scores", paramLabel = "FILE",
            description = "the teachers' score file of the transfer data: fits the uncertainty normalisations whose selection accuracies "
                    + "are reported too (needs --scores)")
    Path transferScores;

    @Option(names = "--gold", paramLabel = "DIR|NAME", description = "the gold teacher (needs --scores)")
    String gold;

    @Option(names = "--out", paramLabel = "DIR", description = "write report.md, report.json and figure2.png here")
    Path out;

    @Option(names = "--tau", paramLabel = "T", defaultValue = "0.2", description = "temperature of the soft teacher weights, softmax(s / tau) for the targets (default: ${DEFAULT-VALUE})")
    double tau;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0", description = "default: ${DEFAULT-VALUE}")
    double temperature;

    @Option(names = "--uncertainty-normalization", paramLabel = "KIND", defaultValue = "none",
            description = "the students' normalisation, for the targets' KL to gold (needs --transfer-scores unless none; default: ${DEFAULT-VALUE})")
    String normalization;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "64", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--max-length", paramLabel = "N", defaultValue = "128", description = "default: ${DEFAULT-VALUE}")
    int maxLength;

    @Mixin
    Options.ColumnsMixin columns;

    @Mixin
    Options.ComputeMixin compute;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() {
        if (!(tau > 0) || !(temperature > 0)) throw new org.muki.MukiException("evaluate: --tau and --temperature must be positive");
        if (batchSize < 1 || maxLength < 3) throw new org.muki.MukiException("evaluate: --batch-size must be at least 1 and --max-length at least 3");
        var r = Evaluate.run(new Evaluate.Request(model, data, teachers, scores, transferScores, gold, out, tau, temperature, normalization,
                batchSize, maxLength, columns.data(), compute.compute(), overwrite.overwrite), CliListener.STDERR);
        System.out.print(r.markdown());
        return 0;
    }
}
