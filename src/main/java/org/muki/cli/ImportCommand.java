package org.muki.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.muki.io.onnx.OnnxImport;

/** ./muki import: a BERT-family ONNX graph (and its tokenizer.json) to a Hugging Face model directory. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Converts a float32 BERT-family ONNX graph (an encoder, with or without pooler or classifier) and its tokenizer.json "
                + "into a model directory (config.json, model.safetensors, tokenizer files); refuses any graph it cannot reproduce exactly.")
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--onnx", paramLabel = "FILE", required = true, description = "the .onnx model")
    Path onnx;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "its tokenizer.json (copied; vocab.txt written from it)")
    Path tokenizer;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the model directory to write")
    Path out;

    @Option(names = "--heads", paramLabel = "A", description = "attention heads, when the graph does not show them")
    Integer heads;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() {
        if (heads != null && heads < 1) throw new org.muki.MukiException("import: --heads must be at least 1, got " + heads);
        var r = OnnxImport.run(onnx, tokenizer, out, heads, overwrite.overwrite, note -> CliListener.STDERR.line("note: " + note));
        var c = r.config();
        System.out.printf("import: %s -> %s: BERT L%d/H%d/A%d/I%d, vocabulary %d, %d positions, %s%n", onnx, out, c.numLayers(),
                c.hiddenSize(), c.numHeads(), c.intermediateSize(), c.vocabSize(), c.maxPositions(),
                c.numLabels() > 0 ? "classifier over " + c.numLabels() + " labels" : r.pooler() ? "encoder with pooler" : "encoder (no pooler)");
        return 0;
    }
}
