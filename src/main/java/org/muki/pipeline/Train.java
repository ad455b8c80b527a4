package org.muki.pipeline;

import java.nio.file.Path;
import java.util.List;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.io.Json;
import org.muki.train.Encoded;
import org.muki.train.Trainer;

/**
 * Fine-tunes a BertForSequenceClassification with cross-entropy on the rows whose label is in the
 * given block (a teacher), or on every label of the training data (the gold teacher), from fresh
 * weights or a checkpoint, and saves a Hugging Face checkpoint with its id2label and training
 * log. An interrupted run resumes from its last save.
 */
public final class Train {
    private Train() {}

    /**
     * @param eval   labelled evaluation data (accuracy per epoch), or null
     * @param labels the block, in id2label order; null for every label of the data (sorted)
     */
    public record Request(Path data, Path eval, ModelSource model, Path out, List<String> labels, TrainOptions options,
                          DataOptions dataOptions, Compute compute, boolean overwrite) {
        /** labels: the block, or null for every label; no evaluation data; default training and compute. */
        public static Request of(Path data, ModelSource model, Path out, List<String> labels) {
            return new Request(data, null, model, out, labels, TrainOptions.defaults(), DataOptions.defaults(), Compute.defaults(), false);
        }

        public Request withOptions(TrainOptions o) {
            return new Request(data, eval, model, out, labels, o, dataOptions, compute, overwrite);
        }

        public Request withCompute(Compute c) {
            return new Request(data, eval, model, out, labels, options, dataOptions, c, overwrite);
        }
    }

    /** The epochs (loss, eval accuracy, seconds) and the eval set's majority-class accuracy. */
    public record Result(Path out, List<Trainer.Epoch> epochs, double evalMajority, int trainRows, int truncated) {
        public Trainer.Epoch last() {
            return epochs.get(epochs.size() - 1);
        }
    }

    public static Result run(Request r, Listener listener) {
        Fit.checkOut(r.out(), r.overwrite());
        Dataset trainSet = r.dataOptions().read(r.data(), Dataset.Labels.REQUIRED, listener);
        Dataset evalSet = r.eval() == null ? null : r.dataOptions().read(r.eval(), Dataset.Labels.REQUIRED, listener);
        List<String> labels = r.labels() != null ? distinct(r.labels()) : trainSet.labels();
        List<Example> train = Fit.inBlock(trainSet, labels, "training", listener);
        List<Example> eval = evalSet == null ? List.of() : Fit.inBlock(evalSet, labels, "evaluation", listener);

        Fit.Start start = Fit.start(r.model(), labels, r.options().seed(), r.options().maxLength(), listener);
        List<Encoded> trainData = start.encode(train, labels);
        List<Encoded> evalData = start.encode(eval, labels);
        int truncated = Encoded.truncatedCount(trainData);
        listener.info(String.format("%d training and %d evaluation rows, %d labels, %s; %d training and %d evaluation texts truncated to %d "
                + "word pieces", trainData.size(), evalData.size(), labels.size(), start.origin(), truncated, Encoded.truncatedCount(evalData),
                start.maxLength()));
        double majority = Fit.majority(evalData, labels.size());
        var log = Json.MAPPER.createObjectNode().put("eval_majority_accuracy", majority);
        List<Trainer.Epoch> epochs = Fit.fit(r.out(), r.overwrite(), start, r.options(), labels, trainData, evalData,
                Trainer.crossEntropy(trainData, labels.size()), "supervised", log, r.compute(), listener);
        return new Result(r.out(), epochs, majority, trainData.size(), truncated);
    }

    static List<String> distinct(List<String> labels) {
        List<String> l = labels.stream().map(String::strip).toList();
        if (l.isEmpty() || l.stream().anyMatch(String::isEmpty) || java.util.Set.copyOf(l).size() != l.size()) {
            throw new MukiException("labels must be distinct non-empty names, got " + labels);
        }
        return l;
    }
}
