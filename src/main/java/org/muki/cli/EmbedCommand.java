package org.muki.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.muki.model.Pooling;
import org.muki.pipeline.Predict;

/** ./muki embed: one sentence embedding per input line. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"One sentence embedding {\"embedding\": [...]} per input line, in input order (inputs as for predict): the mean "
                + "of the final hidden states over the line's real tokens (sentence-transformers' pooling) or the [CLS] state.",
                "Works on encoders (no classifier needed), e.g. ./muki embed --model all-minilm-l6-v2 --input texts.jsonl --normalize."})
final class EmbedCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|NAME", required = true, description = "a model directory or a pre-trained name")
    String model;

    @Option(names = "--input", paramLabel = "FILE", defaultValue = "-", description = "JSON Lines input, - for stdin (default)")
    String input;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "-", description = "JSON Lines output, - for stdout (default); a file is "
            + "written whole or not at all")
    String out;

    @Option(names = "--output", hidden = true, description = "old spelling of --out")
    String oldOut;

    @Option(names = "--pooling", paramLabel = "KIND", defaultValue = "mean", description = "mean or cls (default: ${DEFAULT-VALUE})")
    Pooling pooling;

    @Option(names = "--normalize", description = "scale each vector to unit length")
    boolean normalize;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--max-length", paramLabel = "N", description = "truncate text to N word pieces (default: max_position_embeddings)")
    Integer maxLength;

    @Mixin
    Options.ComputeMixin compute;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() throws Exception {
        var r = new Predict.EmbedRequest(model, PredictCommand.file(input), pooling, normalize, batchSize, maxLength, compute.compute());
        PredictCommand.write(oldOut != null ? oldOut : out, overwrite.overwrite, os -> Predict.embed(r, os, CliListener.STDERR));
        return 0;
    }
}
