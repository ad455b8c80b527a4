package org.muki.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.muki.MukiException;
import org.muki.io.HfCheckpoint;
import org.muki.model.BertConfig;
import org.muki.model.BertWeights;
import org.muki.text.Vocab;

/**
 * ./muki init: writes a freshly initialised BertForSequenceClassification (Hugging Face's
 * initialisation, seeded) of a standard shape for the given labels and vocabulary.
 */
final class InitCommand {
    private InitCommand() {}

    static int run(String[] argv) {
        Args args = Args.parse("init", argv, 1, Set.of("shape", "labels", "vocab", "seed", "out"), Set.of("overwrite"));
        String shape = args.choice("shape", "tiny", List.of("tiny", "mini", "small", "base"));
        List<String> labels = Arrays.stream(args.required("labels").split(",")).map(String::strip).toList();
        if (labels.stream().anyMatch(String::isEmpty)) throw new MukiException("init: --labels has an empty name");
        if (Set.copyOf(labels).size() != labels.size()) throw new MukiException("init: --labels names a label twice");
        Vocab vocab = Vocab.load(Path.of(args.required("vocab")));
        Path out = Path.of(args.required("out"));
        if (Files.exists(out.resolve(HfCheckpoint.WEIGHTS)) && !args.flag("overwrite")) {
            throw new MukiException("init: " + out + " already holds a model (pass --overwrite to replace it)");
        }
        BertConfig config = BertConfig.shape(shape, vocab.size(), labels);
        new HfCheckpoint(config, BertWeights.random(config, args.longValue("seed", 0L)), null, vocab).save(out);
        System.out.println("init: wrote " + shape + " model with " + labels.size() + " labels to " + out);
        return 0;
    }
}
