package org.muki.io.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Consumer;

import org.muki.MukiException;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.model.BertConfig;
import org.muki.text.TokenizerJson;

/**
 * Converts a BERT-family ONNX graph (and its tokenizer.json) into a Hugging Face model
 * directory: config.json with the shapes read from the graph, model.safetensors with Hugging
 * Face's names, and, from the tokenizer, vocab.txt, tokenizer_config.json and tokenizer.json
 * itself. The directory is written next to its destination and renamed into place once it loads
 * back as a checkpoint, so a failed import leaves nothing that looks complete.
 */
public final class OnnxImport {
    private OnnxImport() {}

    /** What was written. */
    public record Imported(Path dir, BertConfig config, boolean pooler, List<String> notes) {}

    /**
     * @param onnx      the ONNX file
     * @param tokenizer a tokenizer.json, or null (then the model takes pre-tokenized input only)
     * @param out       the model directory to write
     * @param heads     attention heads when the graph does not say, else null
     * @param overwrite replace an existing directory
     * @param notes     what the user should know (no pooler, dropout rates, ignored tensors)
     */
    public static Imported run(Path onnx, Path tokenizer, Path out, Integer heads, boolean overwrite, Consumer<String> notes) {
        if (Files.exists(out) && !overwrite) throw new MukiException(out + " exists (pass --overwrite to replace it)");
        TokenizerJson tj = tokenizer == null ? null : TokenizerJson.read(tokenizer);
        OnnxBert.Result r = OnnxBert.read(onnx, heads);
        HfCheckpoint ckpt;
        if (tj == null) {
            ckpt = new HfCheckpoint(r.config(), r.weights(), null, null);
            notes.accept("no --tokenizer: the model takes pre-tokenized input (input_ids) only");
        } else {
            if (tj.vocab().size() != r.config().vocabSize()) {
                throw new MukiException(tokenizer + ": " + tj.vocab().size() + " tokens, but " + onnx + " has " + r.config().vocabSize()
                        + " word embeddings");
            }
            byte[] json;
            try {
                json = Files.readAllBytes(tokenizer);
            } catch (IOException e) {
                throw new MukiException(tokenizer + ": cannot read (" + e.getMessage() + ")");
            }
            ckpt = new HfCheckpoint(r.config(), r.weights(), null, tj.vocab(), tj.options(), json);
        }
        var json = HfCheckpoint.configJson(r.config(), null);
        json.put("muki_imported_from", onnx.getFileName().toString() + (r.producer().isEmpty() ? "" : " (" + r.producer() + ")"));
        ckpt = new HfCheckpoint(ckpt.config(), ckpt.weights(), json, ckpt.vocab(), ckpt.tokenizer(), ckpt.tokenizerJson());

        Path target = out.toAbsolutePath().normalize();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".import-" + Long.toHexString(System.nanoTime()));
        try {
            ckpt.save(tmp, tj != null && tj.truncation() > 0 ? tj.truncation() : null);
            HfCheckpoint.load(tmp); // the written directory loads: names, shapes, values all checked again
            if (Files.exists(target)) AtomicFiles.deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new MukiException(out + ": cannot write (" + e.getMessage() + ")");
        } finally {
            AtomicFiles.deleteTree(tmp);
        }
        r.notes().forEach(notes);
        return new Imported(out, r.config(), r.weights().hasPooler(), r.notes());
    }
}
