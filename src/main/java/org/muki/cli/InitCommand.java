package org.muki.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.muki.MukiException;
import org.muki.io.HfCheckpoint;
import org.muki.model.BertConfig;
import org.muki.model.BertWeights;
import org.muki.text.Vocab;

/** ./muki init: a freshly initialised BertForSequenceClassification of a standard shape. */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes a BertForSequenceClassification of a standard shape with Hugging Face's initialisation (seeded) for the "
                + "given labels and vocabulary.")
final class InitCommand implements Callable<Integer> {
    @Option(names = "--shape", paramLabel = "SHAPE", defaultValue = "tiny", description = "tiny, mini, small, minilm or base (default: ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--labels", paramLabel = "LABEL", required = true, split = ",", description = "the labels, in id2label order")
    List<String> labels;

    @Option(names = "--vocab", paramLabel = "FILE", required = true, description = "vocab.txt")
    Path vocab;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the model directory to write")
    Path out;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() {
        if (!List.of("tiny", "mini", "small", "minilm", "base").contains(shape)) {
            throw new MukiException("init: --shape must be tiny, mini, small, minilm or base, got '" + shape + "'");
        }
        List<String> names = labels.stream().map(String::strip).toList();
        if (names.stream().anyMatch(String::isEmpty)) throw new MukiException("init: --labels has an empty name");
        if (java.util.Set.copyOf(names).size() != names.size()) throw new MukiException("init: --labels names a label twice");
        Vocab v = Vocab.load(vocab);
        if (Files.exists(out.resolve(HfCheckpoint.WEIGHTS)) && !overwrite.overwrite) {
            throw new MukiException("init: " + out + " already holds a model (pass --overwrite to replace it)");
        }
        BertConfig config = BertConfig.shape(shape, v.size(), names);
        new HfCheckpoint(config, BertWeights.random(config, seed), null, v).save(out);
        System.out.println("init: wrote " + shape + " model with " + names.size() + " labels to " + out);
        return 0;
    }
}
