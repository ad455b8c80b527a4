package org.muki.cli;

import java.nio.file.Path;
import java.util.Set;

import org.muki.io.onnx.OnnxImport;

/** ./muki import: a BERT-family ONNX graph (and its tokenizer.json) to a Hugging Face model directory. */
final class ImportCommand {
    private ImportCommand() {}

    static int run(String[] argv) {
        Args args = Args.parse("import", argv, 1, Set.of("onnx", "out", "tokenizer", "heads"), Set.of("overwrite"));
        Path onnx = Path.of(args.required("onnx"));
        Path out = Path.of(args.required("out"));
        Integer heads = args.flag("heads") ? args.integer("heads", 0, 1) : null;
        var r = OnnxImport.run(onnx, args.flag("tokenizer") ? Path.of(args.required("tokenizer")) : null, out, heads, args.flag("overwrite"),
                note -> System.err.println("muki: note: " + note));
        var c = r.config();
        System.out.printf("import: %s -> %s: BERT L%d/H%d/A%d/I%d, vocabulary %d, %d positions, %s%n", onnx, out, c.numLayers(),
                c.hiddenSize(), c.numHeads(), c.intermediateSize(), c.vocabSize(), c.maxPositions(),
                c.numLabels() > 0 ? "classifier over " + c.numLabels() + " labels" : r.pooler() ? "encoder with pooler" : "encoder (no pooler)");
        return 0;
    }
}
