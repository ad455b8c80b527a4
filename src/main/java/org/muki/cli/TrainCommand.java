package org.muki.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.data.Columns;
import org.muki.data.Dataset;
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
import org.muki.text.Vocab;
import org.muki.text.WordPieceTokenizer;
import org.muki.train.Encoded;
import org.muki.train.Trainer;

/**
 * ./muki train: fine-tunes a BertForSequenceClassification on the rows whose label is in the
 * given block (all labels when none are given: the gold teacher), from a config (random
 * initialisation) or from a checkpoint, and saves a Hugging Face checkpoint with its id2label.
 */
final class TrainCommand {
    private TrainCommand() {}

    static final Set<String> DATA_OPTIONS = Set.of("id-column", "text-column", "text-pair-column", "label-column");

    static Columns columns(Args args) {
        return new Columns(args.string("id-column", "id"), args.string("text-column", "text"),
                args.string("text-pair-column", "text_pair"), args.string("label-column", "label"));
    }

    static int run(String[] argv) throws IOException {
        Set<String> options = new java.util.HashSet<>(Set.of("data", "eval", "labels", "config", "init", "out", "vocab",
                "epochs", "batch-size", "lr", "warmup", "weight-decay", "clip", "max-length", "seed", "save-every", "backend",
                "threads"));
        options.addAll(DATA_OPTIONS);
        Args args = Args.parse("train", argv, 1, options, Set.of("uncased", "cased", "skip-bad-rows", "overwrite"));
        Path out = Path.of(args.required("out"));
        Path stateDir = out.resolve(".train-state");
        if (Files.exists(out.resolve(HfCheckpoint.WEIGHTS)) && !args.flag("overwrite")) {
            throw new MukiException("train: " + out + " already holds a trained model (pass --overwrite to replace it)");
        }
        if (args.flag("config") == args.flag("init")) throw new MukiException("train: give exactly one of --config and --init");
        if (args.flag("uncased") && args.flag("cased")) throw new MukiException("train: give --uncased or --cased, not both");
        Trainer.Options o = new Trainer.Options(args.integer("epochs", 3, 1), args.integer("batch-size", 32, 1),
                (float) args.number("lr", 1e-4, 0, 1), (float) args.number("warmup", 0.1, 0, 1),
                (float) args.number("weight-decay", 0.01, 0, 1), (float) args.number("clip", 1.0, 0, 1e9),
                args.longValue("seed", 0), args.integer("save-every", 200, 0));

        Columns columns = columns(args);
        boolean skip = args.flag("skip-bad-rows");
        Dataset trainSet = Dataset.read(Path.of(args.required("data")), columns, Dataset.Labels.REQUIRED, skip);
        Dataset evalSet = Dataset.read(Path.of(args.required("eval")), columns, Dataset.Labels.REQUIRED, skip);
        report(trainSet);
        report(evalSet);
        List<String> labels = args.flag("labels")
                ? Arrays.stream(args.required("labels").split(",")).map(String::strip).toList() : trainSet.labels();
        if (labels.stream().anyMatch(String::isEmpty) || Set.copyOf(labels).size() != labels.size()) {
            throw new MukiException("train: --labels must be distinct non-empty names, got '" + String.join(",", labels) + "'");
        }
        List<Example> train = inBlock(trainSet, labels, "training");
        List<Example> eval = inBlock(evalSet, labels, "evaluation");

        // The starting model: a config (fresh weights) or a checkpoint (new head when its labels differ).
        BertConfig config;
        BertWeights weights;
        Vocab vocab;
        Boolean lower = args.flag("cased") ? Boolean.FALSE : args.flag("uncased") ? Boolean.TRUE : null;
        String origin;
        if (args.flag("config")) {
            Path cfgFile = Path.of(args.required("config"));
            config = HfCheckpoint.readConfig(cfgFile, labels);
            vocab = Vocab.load(Path.of(args.required("vocab")));
            if (vocab.size() != config.vocabSize()) {
                throw new MukiException(args.required("vocab") + ": " + vocab.size() + " tokens but " + cfgFile + " has vocab_size " + config.vocabSize());
            }
            weights = BertWeights.random(config, o.seed());
            origin = "config " + cfgFile;
        } else {
            Path initDir = Path.of(args.required("init"));
            HfCheckpoint init = HfCheckpoint.load(initDir);
            vocab = args.flag("vocab") ? Vocab.load(Path.of(args.required("vocab"))) : init.vocab();
            if (vocab == null) throw new MukiException("train: " + initDir + " has no vocab.txt; pass --vocab");
            if (lower == null) lower = PredictCommand.lowerCase(initDir);
            config = init.config().withLabels(labels);
            weights = withHead(init, config, o.seed());
            origin = "checkpoint " + initDir;
        }
        boolean lowerCase = lower == null || lower;
        int maxLength = args.integer("max-length", Math.min(128, config.maxPositions()), 3);
        if (maxLength > config.maxPositions()) {
            throw new MukiException("train: --max-length " + maxLength + " exceeds max_position_embeddings " + config.maxPositions());
        }
        WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocab, lowerCase);
        List<Encoded> trainData = Encoded.encode(train, tokenizer, maxLength, labels);
        List<Encoded> evalData = Encoded.encode(eval, tokenizer, maxLength, labels);
        int truncated = 0;
        for (Encoded e : trainData) if (e.ids().length == maxLength) truncated++;
        System.err.printf("muki: %d training and %d evaluation rows, %d labels, %s; %d training texts reach --max-length %d%n",
                trainData.size(), evalData.size(), labels.size(), origin, truncated, maxLength);

        String backend = args.string("backend", "java");
        String fingerprint = fingerprint(o, labels, config, origin, trainData, evalData.size(), backend, maxLength, lowerCase);
        try {
            if (args.flag("overwrite") && Files.isDirectory(stateDir)) deleteTree(stateDir);
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new MukiException(stateDir + ": cannot create (" + e.getMessage() + ")");
        }
        long start = System.nanoTime();
        List<Trainer.Epoch> epochs;
        BertWeights trained;
        try (Ops ops = Backends.create(backend, args.integer("threads", Runtime.getRuntime().availableProcessors(), 1))) {
            BertModel model = new BertModel(config, weights, ops);
            System.err.println("muki: training on " + ops.name() + ": " + o.describe());
            epochs = new Trainer(model, o, trainData, evalData, stateDir, fingerprint).run();
            trained = model.weights();
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        new HfCheckpoint(config, trained, null, vocab).save(out);
        AtomicFiles.write(out.resolve("tokenizer_config.json"), os -> os.write(Json.MAPPER.writeValueAsBytes(
                Json.MAPPER.createObjectNode().put("do_lower_case", lowerCase).put("model_max_length", maxLength)
                        .put("tokenizer_class", "BertTokenizer"))));
        writeLog(out, o, labels, origin, backend, trainData, evalData, epochs, seconds);
        deleteTree(stateDir);
        Trainer.Epoch last = epochs.get(epochs.size() - 1);
        System.out.printf("train: %s: eval accuracy %.4f (majority class %.4f) after %d epochs, %.0f s%n", out,
                last.evalAccuracy(), majority(evalData, labels.size()), last.epoch(), seconds);
        return 0;
    }

    private static void report(Dataset d) {
        if (d.skipped() > 0) {
            System.err.println("muki: " + d.file() + ": skipped " + d.skipped() + " bad rows, e.g. " + String.join("; ", d.skipReasons()));
        }
    }

    /** The examples whose label is in the block; the rest are counted, not silently lost. */
    static List<Example> inBlock(Dataset d, List<String> labels, String what) {
        Set<String> block = Set.copyOf(labels);
        List<Example> out = new ArrayList<>();
        for (Example e : d.examples()) if (block.contains(e.label())) out.add(e);
        if (out.isEmpty()) throw new MukiException(d.file() + ": no " + what + " rows with a label in " + labels);
        if (out.size() < d.examples().size()) {
            System.err.println("muki: " + d.file() + ": " + (d.examples().size() - out.size()) + " " + what
                    + " rows have labels outside " + labels + " and are not used");
        }
        return out;
    }

    /** The checkpoint's weights, with a fresh pooler/classifier where it has none or other labels. */
    static BertWeights withHead(HfCheckpoint init, BertConfig config, long seed) {
        Map<String, HostTensor> w = new LinkedHashMap<>(init.weights().tensors());
        BertWeights fresh = BertWeights.random(config, seed);
        boolean sameLabels = init.weights().hasClassifier() && init.config().labels().equals(config.labels());
        for (var e : fresh.tensors().entrySet()) {
            String n = e.getKey();
            boolean head = n.startsWith("classifier.");
            if (!w.containsKey(n) || (head && !sameLabels)) w.put(n, e.getValue());
        }
        if (!sameLabels && init.weights().hasClassifier()) {
            System.err.println("muki: the checkpoint's labels " + init.config().labels() + " differ from " + config.labels()
                    + ": its classifier is replaced by a freshly initialised one");
        }
        return new BertWeights(w);
    }

    static double majority(List<Encoded> data, int labels) {
        int[] counts = new int[labels];
        for (Encoded e : data) counts[e.label()]++;
        return Arrays.stream(counts).max().orElse(0) / (double) Math.max(1, data.size());
    }

    private static String fingerprint(Trainer.Options o, List<String> labels, BertConfig config, String origin,
                                      List<Encoded> train, int evalSize, String backend, int maxLength, boolean lower) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((o + "|" + labels + "|" + config + "|" + origin + "|" + evalSize + "|" + backend + "|" + maxLength + "|" + lower)
                    .getBytes(StandardCharsets.UTF_8));
            for (Encoded e : train) md.update((Arrays.toString(e.ids()) + e.label() + Arrays.toString(e.types())).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeLog(Path out, Trainer.Options o, List<String> labels, String origin, String backend,
                                 List<Encoded> train, List<Encoded> eval, List<Trainer.Epoch> epochs, double seconds) {
        ObjectNode log = Json.MAPPER.createObjectNode();
        log.put("origin", origin).put("backend", backend).put("options", o.describe());
        ArrayNode l = log.putArray("labels");
        labels.forEach(l::add);
        log.put("train_rows", train.size()).put("eval_rows", eval.size()).put("eval_majority_accuracy", majority(eval, labels.size()));
        ArrayNode ep = log.putArray("epochs");
        for (Trainer.Epoch e : epochs) {
            ep.addObject().put("epoch", e.epoch()).put("train_loss", e.trainLoss()).put("eval_accuracy", e.evalAccuracy())
                    .put("seconds", e.seconds());
        }
        log.put("seconds", seconds);
        AtomicFiles.write(out.resolve("training_log.json"), os -> os.write(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(log)));
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new MukiException(dir + ": cannot delete (" + e.getMessage() + ")");
        }
    }
}
