package org.muki.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.muki.MukiException;
import org.muki.data.Columns;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.io.Json;
import org.muki.train.Encoded;
import org.muki.train.Trainer;

/**
 * ./muki train: fine-tunes a BertForSequenceClassification on the rows whose label is in the
 * given block (all labels when none are given: the gold teacher), from a config (random
 * initialisation) or from a checkpoint, and saves a Hugging Face checkpoint with its id2label.
 */
final class TrainCommand {
    private TrainCommand() {}

    static final Set<String> DATA_OPTIONS = Set.of("id-column", "text-column", "text-pair-column", "label-column");

    static Columns columns(Args args) {
        return new Columns(args.string("id-column", "id"), args.string("text-column", "text"),
                args.string("text-pair-column", "text_pair"), args.string("label-column", "label"));
    }

    static int run(String[] argv) {
        Set<String> options = new HashSet<>(Fitting.OPTIONS);
        options.addAll(DATA_OPTIONS);
        options.addAll(Set.of("data", "eval", "labels"));
        Set<String> flags = new HashSet<>(Fitting.FLAGS);
        flags.add("skip-bad-rows");
        Args args = Args.parse("train", argv, 1, options, flags);
        Fitting.checkOut("train", args);
        Trainer.Options o = Fitting.options(args, 1e-4);
        Columns columns = columns(args);
        boolean skip = args.flag("skip-bad-rows");
        Dataset trainSet = Dataset.read(Path.of(args.required("data")), columns, Dataset.Labels.REQUIRED, skip);
        Dataset evalSet = Dataset.read(Path.of(args.required("eval")), columns, Dataset.Labels.REQUIRED, skip);
        report(trainSet);
        report(evalSet);
        List<String> labels = args.flag("labels") ? labelList("train", args.required("labels")) : trainSet.labels();
        List<Example> train = inBlock(trainSet, labels, "training");
        List<Example> eval = inBlock(evalSet, labels, "evaluation");

        Fitting.Start start = Fitting.start("train", args, labels, o.seed());
        List<Encoded> trainData = start.encode(train, labels);
        List<Encoded> evalData = start.encode(eval, labels);
        System.err.printf("muki: %d training and %d evaluation rows, %d labels, %s; %d training and %d evaluation texts truncated to --max-length %d%n",
                trainData.size(), evalData.size(), labels.size(), start.origin(), Encoded.truncatedCount(trainData),
                Encoded.truncatedCount(evalData), start.maxLength());
        var log = Json.MAPPER.createObjectNode().put("eval_majority_accuracy", Fitting.majority(evalData, labels.size()));
        List<Trainer.Epoch> epochs = Fitting.fit(args, start, o, labels, trainData, evalData,
                Trainer.crossEntropy(trainData, labels.size()), "supervised", log);
        Trainer.Epoch last = epochs.get(epochs.size() - 1);
        System.out.printf("train: %s: eval accuracy %.4f (majority class %.4f) after %d epochs%n", args.required("out"),
                last.evalAccuracy(), Fitting.majority(evalData, labels.size()), last.epoch());
        return 0;
    }

    static List<String> labelList(String command, String value) {
        List<String> labels = Arrays.stream(value.split(",")).map(String::strip).toList();
        if (labels.stream().anyMatch(String::isEmpty) || Set.copyOf(labels).size() != labels.size()) {
            throw new MukiException(command + ": --labels must be distinct non-empty names, got '" + value + "'");
        }
        return labels;
    }

    static void report(Dataset d) {
        if (d.skipped() > 0) {
            System.err.println("muki: " + d.file() + ": skipped " + d.skipped() + " bad rows, e.g. " + String.join("; ", d.skipReasons()));
        }
    }

    /** The examples whose label is in the block; the rest are counted, not silently lost. */
    static List<Example> inBlock(Dataset d, List<String> labels, String what) {
        Set<String> block = Set.copyOf(labels);
        List<Example> out = new ArrayList<>();
        for (Example e : d.examples()) if (block.contains(e.label())) out.add(e);
        if (out.isEmpty()) throw new MukiException(d.file() + ": no " + what + " rows with a label in " + labels);
        if (out.size() < d.examples().size()) {
            System.err.println("muki: " + d.file() + ": " + (d.examples().size() - out.size()) + " " + what
                    + " rows have labels outside " + labels + " and are not used");
        }
        return out;
    }
}
