package org.muki.cli;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.muki.pipeline.Predict;

/** ./muki predict: logits, probabilities and label per input line (with --mc-samples K, the MC uncertainty). */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Logits, probabilities and label of every input line, in input order; with --mc-samples K also the mean of K "
                + "Monte-Carlo dropout softmaxes (mc_probs), its normalised entropy (uncertainty) and 1 - uncertainty (score).",
                "Input lines: {\"text\": ..., \"text_pair\": ...} or {\"input_ids\": [...], \"attention_mask\": [...], \"token_type_ids\": [...]}."})
final class PredictCommand implements Callable<Integer> {
    @Mixin
    Options.InferenceMixin io;

    @Option(names = "--mc-samples", paramLabel = "K", description = "Monte-Carlo dropout passes per input (default: none)")
    Integer samples;

    @Mixin
    Options.McMixin mc;

    @Mixin
    Options.ComputeMixin compute;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() throws Exception {
        var r = new Predict.Request(io.model, io.input(), samples == null ? null : mc.options(samples), io.batchSize, io.maxLength, compute.compute());
        write(io.out(), overwrite.overwrite, os -> Predict.predict(r, os, CliListener.STDERR));
        return 0;
    }

    interface Body {
        void write(OutputStream out) throws Exception;
    }

    /** To stdout, or to a file through a temporary sibling and a rename (never half a file). */
    static void write(String out, boolean overwrite, Body body) throws Exception {
        if (out.equals("-")) {
            OutputStream os = new java.io.BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 16);
            body.write(os);
            os.flush();
            return;
        }
        Exception[] failure = new Exception[1];
        Predict.toFile(Path.of(out), overwrite, os -> {
            try {
                body.write(os);
            } catch (java.io.IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        if (failure[0] != null) throw failure[0];
    }
}
