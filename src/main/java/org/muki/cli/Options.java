package org.muki.cli;

import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import org.muki.data.Columns;
import org.muki.pipeline.Compute;
import org.muki.pipeline.DataOptions;
import org.muki.pipeline.McOptions;
import org.muki.pipeline.ModelSource;
import org.muki.pipeline.TrainOptions;

/** The option groups commands share, so that one option has one name everywhere. */
final class Options {
    private Options() {}

    /** --backend and --threads. */
    static final class ComputeMixin {
        @Option(names = "--backend", paramLabel = "NAME", defaultValue = "java",
                description = "java, java-scalar, nd4j or opencl[:INDEX|NAME] (default: ${DEFAULT-VALUE})")
        String backend;

        @Option(names = "--threads", paramLabel = "T", description = "threads (default: every available processor)")
        Integer threads;

        Compute compute() {
            return new Compute(backend, threads != null ? threads : Runtime.getRuntime().availableProcessors());
        }
    }

    /** Which columns hold what; skipping bad rows; names of integer labels. */
    static final class ColumnsMixin {
        @Option(names = "--id-column", paramLabel = "NAME", defaultValue = "id",
                description = "column (or JSON field) of the id; without it rows are numbered from 1 (default: ${DEFAULT-VALUE})")
        String id;

        @Option(names = "--text-column", paramLabel = "NAME", defaultValue = "text", description = "default: ${DEFAULT-VALUE}")
        String text;

        @Option(names = "--text-pair-column", paramLabel = "NAME", defaultValue = "text_pair", description = "default: ${DEFAULT-VALUE}")
        String textPair;

        @Option(names = "--label-column", paramLabel = "NAME", defaultValue = "label", description = "default: ${DEFAULT-VALUE}")
        String label;

        @Option(names = "--label-names", paramLabel = "NAME", split = ",",
                description = "names of integer labels: label 0 is the first NAME, 1 the second, ...")
        List<String> labelNames = List.of();

        @Option(names = "--skip-bad-rows", description = "skip (and count) malformed rows instead of stopping")
        boolean skipBadRows;

        DataOptions data() {
            return new DataOptions(new Columns(id, text, textPair, label), skipBadRows, labelNames);
        }
    }

    /** The training hyper-parameters. */
    static final class TrainingMixin {
        @Option(names = "--epochs", paramLabel = "N", defaultValue = "3", description = "default: ${DEFAULT-VALUE}")
        int epochs;

        @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
        int batchSize;

        @Option(names = "--lr", paramLabel = "LR", defaultValue = "1e-4", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
        double lr;

        @Option(names = "--warmup", paramLabel = "F", defaultValue = "0.1", description = "fraction of steps of linear warm-up (default: ${DEFAULT-VALUE})")
        double warmup;

        @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "0.01", description = "default: ${DEFAULT-VALUE}")
        double weightDecay;

        @Option(names = "--clip", paramLabel = "NORM", defaultValue = "1.0", description = "clip gradients to this global norm (default: ${DEFAULT-VALUE})")
        double clip;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "batches, dropout and fresh weights (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--save-every", paramLabel = "STEPS", defaultValue = "200", description = "steps between resume saves (default: ${DEFAULT-VALUE})")
        int saveEvery;

        @Option(names = "--max-length", paramLabel = "N", defaultValue = "0", description = "longest text in word pieces (default: the model's, at most 128)")
        int maxLength;

        @Option(names = "--skip-nonfinite-steps", description = "skip a step whose numbers turn NaN or infinite instead of stopping")
        boolean skipNonFiniteSteps;

        TrainOptions options() {
            return new TrainOptions(epochs, batchSize, lr, warmup, weightDecay, clip, seed, saveEvery, skipNonFiniteSteps, maxLength);
        }
    }

    /** Where a model to train starts: --config with --vocab, or --init; and its casing. */
    static final class StartMixin {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Start start;

        @Option(names = "--vocab", paramLabel = "FILE", description = "vocab.txt (needed with --config; with --init it replaces the model's)")
        Path vocab;

        @ArgGroup(exclusive = true)
        Casing casing;

        static final class Start {
            @Option(names = "--config", paramLabel = "FILE", required = true,
                    description = "start from fresh weights of this BERT config.json (e.g. models/tiny.json)")
            Path config;

            @Option(names = "--init", paramLabel = "DIR|NAME", required = true,
                    description = "start from a checkpoint (a model directory or a pre-trained name, e.g. all-minilm-l6-v2)")
            String init;
        }

        static final class Casing {
            @Option(names = "--uncased", description = "lower-case and strip accents")
            boolean uncased;

            @Option(names = "--cased", description = "keep case and accents")
            boolean cased;
        }

        ModelSource source() {
            Boolean lower = casing == null ? null : casing.uncased;
            if (start.init != null) return new ModelSource.Checkpoint(start.init, vocab, lower);
            if (vocab == null) throw new org.muki.MukiException("--config needs --vocab (the model's vocabulary)");
            return new ModelSource.Fresh(org.muki.pipeline.Installation.resolve(start.config.toString()), vocab, lower);
        }
    }

    /** Monte-Carlo dropout. */
    static final class McMixin {
        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "seed of the dropout masks (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--dropout", paramLabel = "P", description = "hidden dropout of the MC passes (default: each checkpoint's)")
        Float dropout;

        @Option(names = "--attention-dropout", paramLabel = "P", description = "attention dropout of the MC passes (default: each checkpoint's)")
        Float attentionDropout;

        McOptions options(int samples) {
            return new McOptions(samples, seed, dropout, attentionDropout);
        }
    }

    /** What predict and embed read and write: the model, the input lines and the output, in batches of a length. */
    static final class InferenceMixin {
        @Option(names = "--model", paramLabel = "DIR|NAME", required = true, description = "a model directory or a pre-trained name")
        String model;

        @Option(names = "--input", paramLabel = "FILE", defaultValue = "-", description = "JSON Lines input, - for stdin (default)")
        String input;

        @Option(names = "--out", paramLabel = "FILE", defaultValue = "-", description = "JSON Lines output, - for stdout (default); a file is "
                + "written whole or not at all")
        String out;

        @Option(names = "--output", hidden = true, description = "old spelling of --out")
        String oldOut;

        @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
        int batchSize;

        @Option(names = "--max-length", paramLabel = "N", description = "truncate text to N word pieces (default: max_position_embeddings)")
        Integer maxLength;

        /** The input file, or null for stdin. */
        Path input() {
            return input.equals("-") ? null : Path.of(input);
        }

        /** The output file, or "-" for stdout. */
        String out() {
            return oldOut != null ? oldOut : out;
        }
    }

    /** --overwrite. */
    static final class OverwriteMixin {
        @Option(names = "--overwrite", description = "replace an existing output")
        boolean overwrite;
    }
}
