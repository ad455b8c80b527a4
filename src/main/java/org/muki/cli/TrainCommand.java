package org.muki.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.muki.pipeline.Train;

/** ./muki train: fine-tunes a classifier (a teacher on a block of labels, or the gold teacher on all). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tunes a BertForSequenceClassification with cross-entropy on the rows whose label is in --labels (every "
                + "label when none are given: the gold teacher), from fresh weights of --config or from --init, and saves a model "
                + "directory with its id2label and train_log.json. An interrupted run resumes from its last save.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "FILE", required = true, description = "labelled training data (.tsv, .csv, .jsonl)")
    Path data;

    @Option(names = "--eval", paramLabel = "FILE", description = "labelled evaluation data (accuracy after every epoch)")
    Path eval;

    @Option(names = "--labels", paramLabel = "LABEL", split = ",", description = "the block of labels (default: every label of --data)")
    List<String> labels;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the model directory to write")
    Path out;

    @Mixin
    Options.StartMixin start;

    @Mixin
    Options.TrainingMixin training;

    @Mixin
    Options.ColumnsMixin columns;

    @Mixin
    Options.ComputeMixin compute;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() {
        var r = Train.run(new Train.Request(data, eval, start.source(), out, labels, training.options(), columns.data(), compute.compute(),
                overwrite.overwrite), CliListener.STDERR);
        var last = r.last();
        System.out.printf("train: %s: %s after %d epochs%n", out, Double.isNaN(last.evalAccuracy()) ? "training loss " + String.format("%.4f", last.trainLoss())
                : String.format("eval accuracy %.4f (majority class %.4f)", last.evalAccuracy(), r.evalMajority()), last.epoch());
        return 0;
    }
}
