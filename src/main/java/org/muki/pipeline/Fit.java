package org.muki.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.Example;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.io.Pretrained;
import org.muki.model.BertConfig;
import org.muki.model.BertModel;
import org.muki.model.BertWeights;
import org.muki.tensor.Ops;
import org.muki.text.TokenizerOptions;
import org.muki.text.Vocab;
import org.muki.text.WordPieceTokenizer;
import org.muki.train.Encoded;
import org.muki.train.Trainer;

/**
 * What train and integrate share: the starting model (a config with fresh weights, or a
 * checkpoint with a head for the labels where it has none or other labels), the output folder
 * rules (never overwrite a trained model unless asked; resume an interrupted run), the fit
 * itself, and the saved checkpoint with its training log.
 */
final class Fit {
    private Fit() {}

    /** The model a fit starts from: weights with the head for the labels, and its tokenizer. */
    record Start(HfCheckpoint model, int maxLength, String origin) {
        BertConfig config() {
            return model.config();
        }

        WordPieceTokenizer tokenizer() {
            return new WordPieceTokenizer(model.vocab(), model.tokenizer());
        }

        List<Encoded> encode(List<Example> examples, List<String> labels) {
            return Encoded.encode(examples, tokenizer(), maxLength, labels);
        }
    }

    /** Refuses to replace a trained model unless overwrite. */
    static void checkOut(Path out, boolean overwrite) {
        if (Files.exists(out.resolve(HfCheckpoint.WEIGHTS)) && !overwrite) {
            throw new MukiException(out + " already holds a trained model (pass --overwrite to replace it)");
        }
    }

    static Start start(ModelSource source, List<String> labels, long seed, int maxLength, Listener listener) {
        Boolean lower = source.lowerCase();
        HfCheckpoint model;
        String origin;
        if (source instanceof ModelSource.Fresh f) {
            BertConfig config = HfCheckpoint.readConfig(f.config(), labels);
            Vocab vocab = Vocab.load(f.vocab());
            if (vocab.size() != config.vocabSize()) {
                throw new MukiException(f.vocab() + ": " + vocab.size() + " tokens but " + f.config() + " has vocab_size " + config.vocabSize());
            }
            model = new HfCheckpoint(config, BertWeights.random(config, seed), null, vocab, TokenizerOptions.bert(lower == null || lower), null);
            origin = "config " + f.config();
        } else {
            ModelSource.Checkpoint c = (ModelSource.Checkpoint) source;
            Path initDir = Pretrained.resolve(c.dirOrName(), listener::info);
            HfCheckpoint init = HfCheckpoint.load(initDir);
            BertConfig config = init.config().withLabels(labels);
            model = init.withWeights(config, withHead(initDir, init, config, seed, listener));
            if (c.vocab() != null) {
                Vocab vocab = Vocab.load(c.vocab());
                if (vocab.size() != config.vocabSize()) {
                    throw new MukiException(c.vocab() + ": " + vocab.size() + " tokens but " + initDir + " has vocab_size " + config.vocabSize());
                }
                boolean lc = lower != null ? lower : HfCheckpoint.lowerCase(initDir);
                model = new HfCheckpoint(config, model.weights(), model.configJson(), vocab, TokenizerOptions.bert(lc), null);
            } else if (init.vocab() == null) {
                throw new MukiException(initDir + " has no vocab.txt or tokenizer.json; give a vocabulary (--vocab)");
            } else if (lower != null && lower != init.tokenizer().lowerCase()) {
                // The casing flag overrides the directory's tokenizer; its tokenizer.json would no longer describe it.
                TokenizerOptions t = init.tokenizer();
                t = new TokenizerOptions(t.flavor(), lower, lower, t.cleanText(), t.chineseChars(), t.unk(), t.cls(), t.sep(), t.prefix(),
                        t.maxCharsPerWord(), t.specials());
                model = new HfCheckpoint(config, model.weights(), model.configJson(), init.vocab(), t, null);
            }
            origin = "checkpoint " + initDir;
        }
        int length = maxLength > 0 ? maxLength : Math.min(128, model.config().maxPositions());
        if (length < 3) throw new MukiException("the maximum length " + length + " leaves no room for text");
        if (length > model.config().maxPositions()) {
            throw new MukiException("the maximum length " + length + " exceeds max_position_embeddings " + model.config().maxPositions());
        }
        return new Start(model, length, origin);
    }

    /**
     * The checkpoint's weights with a pooler and a classifier for the labels: its own where it
     * has them (the classifier only when its labels are these), fresh ones (Hugging Face's
     * initialisation) otherwise, said through the listener.
     */
    static BertWeights withHead(Path dir, HfCheckpoint init, BertConfig config, long seed, Listener listener) {
        boolean sameLabels = init.weights().hasClassifier() && init.config().labels().equals(config.labels());
        if (!init.weights().hasPooler()) {
            listener.info(dir + " is an encoder without a pooler or classifier: a freshly initialised pooler and "
                    + "classifier (Hugging Face's initialisation) are added for " + config.labels());
        } else if (!init.weights().hasClassifier()) {
            listener.info(dir + " has no classifier: a freshly initialised one is added for " + config.labels());
        } else if (!sameLabels) {
            listener.info("the checkpoint's labels " + init.config().labels() + " differ from " + config.labels()
                    + ": its classifier is replaced by a freshly initialised one");
        }
        return init.weights().withHead(config, sameLabels, seed);
    }

    /**
     * Trains, saves the Hugging Face checkpoint (with its tokenizer) and training_log.json (with
     * `log` merged in), removes the resume state, and returns the epochs.
     */
    static List<Trainer.Epoch> fit(Path out, boolean overwrite, Start start, TrainOptions options, List<String> labels, List<Encoded> train,
                                   List<Encoded> eval, Trainer.Objective objective, String identity, ObjectNode log, Compute compute,
                                   Listener listener) {
        Path stateDir = out.resolve(".train-state");
        Trainer.Options o = options.trainer();
        String fingerprint = fingerprint(o + "|" + labels + "|" + start.config() + "|" + start.origin() + "|" + eval.size()
                + "|" + compute.backend() + "|" + start.maxLength() + "|" + start.model().tokenizer() + "|" + identity, train);
        try {
            if (overwrite && Files.isDirectory(stateDir)) AtomicFiles.deleteTree(stateDir);
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new MukiException(stateDir + ": cannot create (" + e.getMessage() + ")");
        }
        long started = System.nanoTime();
        List<Trainer.Epoch> epochs;
        BertWeights trained;
        try (Ops ops = compute.open()) {
            BertModel model = new BertModel(start.config(), start.model().weights(), ops);
            listener.info("training on " + ops.name() + ": " + o.describe());
            Trainer trainer = new Trainer(model, o, train, eval, stateDir, fingerprint, objective, listener);
            epochs = trainer.run();
            log.put("skipped_nonfinite_steps", trainer.skippedSteps());
            trained = model.weights();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        start.model().withWeights(start.config(), trained).save(out, start.maxLength());
        log.put("origin", start.origin()).put("backend", compute.backend()).put("options", o.describe()).put("max_length", start.maxLength());
        ArrayNode l = log.putArray("labels");
        labels.forEach(l::add);
        log.put("train_rows", train.size()).put("eval_rows", eval.size());
        ArrayNode ep = log.putArray("epochs");
        for (Trainer.Epoch e : epochs) {
            ObjectNode row = ep.addObject().put("epoch", e.epoch()).put("train_loss", e.trainLoss()).put("seconds", e.seconds());
            if (Double.isNaN(e.evalAccuracy())) row.putNull("eval_accuracy");
            else row.put("eval_accuracy", e.evalAccuracy());
        }
        log.put("seconds", seconds);
        AtomicFiles.write(out.resolve("training_log.json"), os -> os.write(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(log)));
        AtomicFiles.deleteTree(stateDir);
        return epochs;
    }

    private static String fingerprint(String settings, List<Encoded> train) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(settings.getBytes(StandardCharsets.UTF_8));
            for (Encoded e : train) md.update((Arrays.toString(e.ids()) + e.label() + Arrays.toString(e.types())).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static double majority(List<Encoded> data, int labels) {
        int[] counts = new int[labels];
        int n = 0;
        for (Encoded e : data) {
            if (e.label() >= 0) {
                counts[e.label()]++;
                n++;
            }
        }
        return Arrays.stream(counts).max().orElse(0) / (double) Math.max(1, n);
    }

    /** The examples whose label is in the block; the rest are counted and reported, not silently lost. */
    static List<Example> inBlock(org.muki.data.Dataset d, List<String> labels, String what, Listener listener) {
        java.util.Set<String> block = java.util.Set.copyOf(labels);
        List<Example> out = new java.util.ArrayList<>();
        for (Example e : d.examples()) if (block.contains(e.label())) out.add(e);
        if (out.isEmpty()) throw new MukiException(d.file() + ": no " + what + " rows with a label in " + labels);
        if (out.size() < d.examples().size()) {
            listener.info(d.file() + ": " + (d.examples().size() - out.size()) + " " + what + " rows have labels outside " + labels
                    + " and are not used");
        }
        return out;
    }
}
