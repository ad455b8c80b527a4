package org.muki.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.data.Example;
import org.muki.io.AtomicFiles;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.model.BertConfig;
import org.muki.model.BertModel;
import org.muki.model.BertWeights;
import org.muki.model.HostTensor;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;
import org.muki.text.TokenizerOptions;
import org.muki.text.Vocab;
import org.muki.text.WordPieceTokenizer;
import org.muki.train.Encoded;
import org.muki.train.Trainer;

/**
 * What `train` and `integrate` share: the starting model (a config with fresh weights, or a
 * checkpoint with a new head where its labels differ), the training options, the output folder
 * rules (never overwrite a trained model without --overwrite; resume an interrupted run), the
 * fit itself, and the saved checkpoint with its training log.
 */
final class Fitting {
    private Fitting() {}

    /** Options every fitting command takes. */
    static final Set<String> OPTIONS = Set.of("config", "init", "out", "vocab", "epochs", "batch-size", "lr", "warmup",
            "weight-decay", "clip", "max-length", "seed", "save-every", "backend", "threads");
    static final Set<String> FLAGS = Set.of("uncased", "cased", "overwrite", "skip-nonfinite-steps");

    /** The model a fit starts from: weights with the head for the labels, and its tokenizer. */
    record Start(HfCheckpoint model, int maxLength, String origin) {
        BertConfig config() {
            return model.config();
        }

        BertWeights weights() {
            return model.weights();
        }

        WordPieceTokenizer tokenizer() {
            return new WordPieceTokenizer(model.vocab(), model.tokenizer());
        }

        List<Encoded> encode(List<Example> examples, List<String> labels) {
            return Encoded.encode(examples, tokenizer(), maxLength, labels);
        }
    }

    static Trainer.Options options(Args args, double defaultLr) {
        return new Trainer.Options(args.integer("epochs", 3, 1), args.integer("batch-size", 32, 1),
                (float) args.number("lr", defaultLr, 0, 1), (float) args.number("warmup", 0.1, 0, 1),
                (float) args.number("weight-decay", 0.01, 0, 1), (float) args.number("clip", 1.0, 0, 1e9),
                args.longValue("seed", 0), args.integer("save-every", 200, 0), args.flag("skip-nonfinite-steps"));
    }

    /** Refuses to replace a trained model unless --overwrite. */
    static void checkOut(String command, Args args) {
        Path out = Path.of(args.required("out"));
        if (Files.exists(out.resolve(HfCheckpoint.WEIGHTS)) && !args.flag("overwrite")) {
            throw new MukiException(command + ": " + out + " already holds a trained model (pass --overwrite to replace it)");
        }
        if (args.flag("config") == args.flag("init")) throw new MukiException(command + ": give exactly one of --config and --init");
        if (args.flag("uncased") && args.flag("cased")) throw new MukiException(command + ": give --uncased or --cased, not both");
    }

    static Start start(String command, Args args, List<String> labels, long seed) {
        Boolean lower = args.flag("cased") ? Boolean.FALSE : args.flag("uncased") ? Boolean.TRUE : null;
        HfCheckpoint model;
        String origin;
        if (args.flag("config")) {
            Path cfgFile = Path.of(args.required("config"));
            BertConfig config = HfCheckpoint.readConfig(cfgFile, labels);
            Vocab vocab = Vocab.load(Path.of(args.required("vocab")));
            if (vocab.size() != config.vocabSize()) {
                throw new MukiException(args.required("vocab") + ": " + vocab.size() + " tokens but " + cfgFile
                        + " has vocab_size " + config.vocabSize());
            }
            model = new HfCheckpoint(config, BertWeights.random(config, seed), null, vocab, TokenizerOptions.bert(lower == null || lower), null);
            origin = "config " + cfgFile;
        } else {
            Path initDir = org.muki.io.Pretrained.resolve(args.required("init"), CliLog::line);
            HfCheckpoint init = HfCheckpoint.load(initDir);
            BertConfig config = init.config().withLabels(labels);
            model = init.withWeights(config, withHead(initDir, init, config, seed));
            if (args.flag("vocab")) {
                Vocab vocab = Vocab.load(Path.of(args.required("vocab")));
                if (vocab.size() != config.vocabSize()) {
                    throw new MukiException(args.required("vocab") + ": " + vocab.size() + " tokens but " + initDir
                            + " has vocab_size " + config.vocabSize());
                }
                boolean lc = lower != null ? lower : HfCheckpoint.lowerCase(initDir);
                model = new HfCheckpoint(config, model.weights(), model.configJson(), vocab, TokenizerOptions.bert(lc), null);
            } else if (init.vocab() == null) {
                throw new MukiException(command + ": " + initDir + " has no vocab.txt or tokenizer.json; pass --vocab");
            } else if (lower != null && lower != init.tokenizer().lowerCase()) {
                // The casing flag overrides the directory's tokenizer; its tokenizer.json would no longer describe it.
                TokenizerOptions t = init.tokenizer();
                t = new TokenizerOptions(t.flavor(), lower, lower, t.cleanText(), t.chineseChars(), t.unk(), t.cls(), t.sep(), t.prefix(),
                        t.maxCharsPerWord(), t.specials());
                model = new HfCheckpoint(config, model.weights(), model.configJson(), init.vocab(), t, null);
            }
            origin = "checkpoint " + initDir;
        }
        int maxLength = args.integer("max-length", Math.min(128, model.config().maxPositions()), 3);
        if (maxLength > model.config().maxPositions()) {
            throw new MukiException(command + ": --max-length " + maxLength + " exceeds max_position_embeddings "
                    + model.config().maxPositions());
        }
        return new Start(model, maxLength, origin);
    }

    /**
     * The checkpoint's weights with a pooler and a classifier for the labels: its own where it
     * has them (the classifier only when its labels are these), fresh ones (Hugging Face's
     * initialisation) otherwise, said on stderr.
     */
    static BertWeights withHead(Path dir, HfCheckpoint init, BertConfig config, long seed) {
        boolean sameLabels = init.weights().hasClassifier() && init.config().labels().equals(config.labels());
        if (!init.weights().hasPooler()) {
            System.err.println("muki: " + dir + " is an encoder without a pooler or classifier: a freshly initialised pooler and "
                    + "classifier (Hugging Face's initialisation) are added for " + config.labels());
        } else if (!init.weights().hasClassifier()) {
            System.err.println("muki: " + dir + " has no classifier: a freshly initialised one is added for " + config.labels());
        } else if (!sameLabels) {
            System.err.println("muki: the checkpoint's labels " + init.config().labels() + " differ from " + config.labels()
                    + ": its classifier is replaced by a freshly initialised one");
        }
        return init.weights().withHead(config, sameLabels, seed);
    }

    /**
     * Trains, saves the Hugging Face checkpoint (with tokenizer_config.json) and
     * training_log.json (with `log` merged in), removes the resume state, and returns the epochs.
     */
    static List<Trainer.Epoch> fit(Args args, Start start, Trainer.Options o, List<String> labels, List<Encoded> train,
                                   List<Encoded> eval, Trainer.Objective objective, String identity, ObjectNode log) {
        Path out = Path.of(args.required("out"));
        Path stateDir = out.resolve(".train-state");
        String backend = args.string("backend", "java");
        String fingerprint = fingerprint(o + "|" + labels + "|" + start.config() + "|" + start.origin() + "|" + eval.size()
                + "|" + backend + "|" + start.maxLength() + "|" + start.model().tokenizer() + "|" + identity, train);
        try {
            if (args.flag("overwrite") && Files.isDirectory(stateDir)) AtomicFiles.deleteTree(stateDir);
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new MukiException(stateDir + ": cannot create (" + e.getMessage() + ")");
        }
        long started = System.nanoTime();
        List<Trainer.Epoch> epochs;
        BertWeights trained;
        try (Ops ops = Backends.create(backend, args.integer("threads", Runtime.getRuntime().availableProcessors(), 1))) {
            BertModel model = new BertModel(start.config(), start.weights(), ops);
            System.err.println("muki: training on " + ops.name() + ": " + o.describe());
            Trainer trainer = new Trainer(model, o, train, eval, stateDir, fingerprint, objective);
            epochs = trainer.run();
            log.put("skipped_nonfinite_steps", trainer.skippedSteps());
            trained = model.weights();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        start.model().withWeights(start.config(), trained).save(out, start.maxLength());
        log.put("origin", start.origin()).put("backend", backend).put("options", o.describe());
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

}
