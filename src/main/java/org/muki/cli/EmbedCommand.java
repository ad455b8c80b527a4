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
    @Mixin
    Options.InferenceMixin io;

    @Option(names = "--pooling", paramLabel = "KIND", defaultValue = "mean", description = "mean or cls (default: ${DEFAULT-VALUE})")
    Pooling pooling;

    @Option(names = "--normalize", description = "scale each vector to unit length")
    boolean normalize;

    @Mixin
    Options.ComputeMixin compute;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() throws Exception {
        var r = new Predict.EmbedRequest(io.model, io.input(), pooling, normalize, io.batchSize, io.maxLength, compute.compute());
        PredictCommand.write(io.out(), overwrite.overwrite, os -> Predict.embed(r, os, CliListener.STDERR));
        return 0;
    }
}
