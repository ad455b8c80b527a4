package org.muki.spark;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import org.muki.MukiException;
import org.muki.data.Columns;
import org.muki.model.Pooling;
import org.muki.pipeline.McOptions;

/**
 * The Spark jobs' command line (spark-submit --class org.muki.spark.MukiSpark muki-spark.jar JOB
 * ...): score, predict, embed and merge, each a few lines over the jobs' typed requests. Errors,
 * also those raised on an executor, end with one line "muki-spark: ..." and exit code 2.
 */
@Command(name = "muki-spark", mixinStandardHelpOptions = true, description = "MUKI's scoring, prediction and embeddings on Apache Spark.",
        subcommands = {MukiSpark.ScoreCommand.class, MukiSpark.PredictCommand.class, MukiSpark.EmbedCommand.class, MukiSpark.MergeCommand.class,
                CommandLine.HelpCommand.class})
public final class MukiSpark implements Runnable {
    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    static int run(String[] argv) {
        CommandLine cli = new CommandLine(new MukiSpark());
        cli.setUsageHelpWidth(100);
        cli.setParameterExceptionHandler((ex, args) -> {
            System.err.println("muki-spark: " + ex.getMessage().replace("\n", " ").strip());
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            MukiException m = userError(ex);
            if (m != null) {
                System.err.println("muki-spark: " + m.getMessage());
                return 2;
            }
            System.err.println("muki-spark: internal error: " + ex);
            if (System.getenv("MUKI_DEBUG") != null) ex.printStackTrace();
            return 1;
        });
        return cli.execute(argv);
    }

    /** The user's mistake behind an exception, also when Spark wraps it (a task failed on an executor). */
    static MukiException userError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) if (c instanceof MukiException m) return m;
        // Spark reports an executor's exception as text in its SparkException.
        String s = String.valueOf(t.getMessage());
        int at = s.indexOf("org.muki.MukiException: ");
        if (at >= 0) {
            String rest = s.substring(at + "org.muki.MukiException: ".length());
            int nl = rest.indexOf('\n');
            return new MukiException(nl < 0 ? rest : rest.substring(0, nl));
        }
        return null;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a job: score, predict, embed or merge");
    }

    /** The session: spark-submit's master, else --master (default local[*]); an active session (a program embedding the jobs) is used and left running. */
    static SparkSession session(String master, String app) {
        SparkConf conf = new SparkConf().setAppName(app);
        if (!conf.contains("spark.master")) conf.setMaster(master);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    static final class Common {
        @Option(names = "--data", paramLabel = "PATH", required = true, description = "the rows: .tsv, .csv, .jsonl, .parquet (a file or folder)")
        String data;

        @Option(names = "--format", paramLabel = "FMT", description = "tsv, csv, jsonl or parquet (default: from the extension)")
        String format;

        @Option(names = "--id-column", paramLabel = "NAME", defaultValue = "id", description = "without it rows are numbered from 1 (default: ${DEFAULT-VALUE})")
        String id;

        @Option(names = "--text-column", paramLabel = "NAME", defaultValue = "text", description = "default: ${DEFAULT-VALUE}")
        String text;

        @Option(names = "--text-pair-column", paramLabel = "NAME", defaultValue = "text_pair", description = "default: ${DEFAULT-VALUE}")
        String textPair;

        @Option(names = "--batch-size", paramLabel = "B", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
        int batchSize;

        @Option(names = "--backend", paramLabel = "NAME", defaultValue = "java", description = "each task's backend (default: ${DEFAULT-VALUE})")
        String backend;

        @Option(names = "--threads-per-task", paramLabel = "T", defaultValue = "1",
                description = "threads of each task's backend; with spark.task.cpus = T an executor of C cores runs C / T tasks (default: ${DEFAULT-VALUE})")
        int threads;

        @Option(names = "--partitions", paramLabel = "N", description = "repartition the rows into N (order kept; default: as read)")
        Integer partitions;

        @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]", description = "when not run by spark-submit (default: ${DEFAULT-VALUE})")
        String master;

        @Option(names = "--overwrite", description = "replace existing outputs")
        boolean overwrite;

        Columns columns() {
            return new Columns(id, text, textPair, "label");
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
            description = "./muki score on Spark: MC-dropout scores of every row under every teacher, as ./muki score's file (--out) and/or part files (--parts).")
    static final class ScoreCommand implements Callable<Integer> {
        @Option(names = "--teachers", paramLabel = "DIR", required = true, split = ",", description = "teacher directories, as ./muki score takes them")
        List<String> teachers;

        @Option(names = "--out", paramLabel = "FILE", description = "the score file")
        String out;

        @Option(names = "--parts", paramLabel = "DIR", description = "keep the part files here (merge them later with merge)")
        String parts;

        @Option(names = "--mc-samples", paramLabel = "K", defaultValue = "16", description = "default: ${DEFAULT-VALUE}")
        int samples;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "default: ${DEFAULT-VALUE}")
        long seed;

        @Option(names = "--dropout", paramLabel = "P", description = "hidden dropout (default: each checkpoint's)")
        Float dropout;

        @Option(names = "--attention-dropout", paramLabel = "P", description = "attention dropout (default: each checkpoint's)")
        Float attentionDropout;

        @Option(names = "--max-length", paramLabel = "N", defaultValue = "128", description = "default: ${DEFAULT-VALUE}")
        int maxLength;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            var r = new ScoreJob.Request(teachers, common.data, common.format, common.columns(), new McOptions(samples, seed, dropout, attentionDropout),
                    common.batchSize, maxLength, common.backend, common.threads, common.partitions, out, parts, common.overwrite);
            boolean shared = SparkSession.getActiveSession().isDefined();
            SparkSession spark = session(common.master, "muki score");
            try {
                ScoreJob.Result res = ScoreJob.run(spark, r);
                System.out.printf("score: %d instances x %d teachers in %.0f s -> %s%n", res.instances(), res.teachers(), res.seconds(),
                        out != null ? out : parts);
            } finally {
                if (!shared) spark.stop();
            }
            return 0;
        }
    }

    abstract static class ModelJob implements Callable<Integer> {
        @Option(names = "--model", paramLabel = "DIR|NAME", required = true, description = "a model directory or a pre-trained name")
        String model;

        @Option(names = "--out", paramLabel = "PATH", description = "JSON Lines: one file; Parquet: the folder")
        String out;

        @Option(names = "--parts", paramLabel = "DIR", description = "JSON Lines: keep the part files here")
        String parts;

        @Option(names = "--out-format", paramLabel = "FMT", defaultValue = "jsonl", description = "jsonl or parquet (default: ${DEFAULT-VALUE})")
        String outFormat;

        @Option(names = "--max-length", paramLabel = "N", description = "truncate to N word pieces (default: max_position_embeddings)")
        Integer maxLength;

        @Mixin
        Common common;

        Integer run(String job, McOptions mc, Pooling pooling, boolean normalize) {
            var r = new PredictJob.Request(model, common.data, common.format, common.columns(), mc, pooling, normalize, common.batchSize, maxLength,
                    common.backend, common.threads, common.partitions, outFormat, out, parts, common.overwrite);
            boolean shared = SparkSession.getActiveSession().isDefined();
            SparkSession spark = session(common.master, "muki " + job);
            try {
                PredictJob.Result res = PredictJob.run(spark, r);
                System.out.printf("%s: %d rows in %.0f s -> %s%n", job, res.rows(), res.seconds(), out != null ? out : parts);
            } finally {
                if (!shared) spark.stop();
            }
            return 0;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
            description = "./muki predict on Spark: logits, probabilities and label of every row, in input order (with --mc-samples, the MC uncertainty).")
    static final class PredictCommand extends ModelJob {
        @Option(names = "--mc-samples", paramLabel = "K", description = "Monte-Carlo dropout passes (default: none)")
        Integer samples;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "default: ${DEFAULT-VALUE}")
        long seed;

        @Override
        public Integer call() {
            return run("predict", samples == null ? null : new McOptions(samples, seed, null, null), null, false);
        }
    }

    @Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
            description = "./muki embed on Spark: a sentence embedding of every row, in input order.")
    static final class EmbedCommand extends ModelJob {
        @Option(names = "--pooling", paramLabel = "KIND", defaultValue = "mean", description = "mean or cls (default: ${DEFAULT-VALUE})")
        Pooling pooling;

        @Option(names = "--normalize", description = "scale each vector to unit length")
        boolean normalize;

        @Override
        public Integer call() {
            return run("embed", null, pooling, normalize);
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Joins a finished job's part files (score: with the header) into one file, written whole or not at all.")
    static final class MergeCommand implements Callable<Integer> {
        @Option(names = "--parts", paramLabel = "DIR", required = true, description = "the job's --parts folder")
        String parts;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "the file to write")
        String out;

        @Option(names = "--overwrite", description = "replace an existing file")
        boolean overwrite;

        @Override
        public Integer call() {
            long lines = Output.merge(parts, out, overwrite, new org.apache.hadoop.conf.Configuration());
            System.out.printf("merge: %d lines -> %s%n", lines, out);
            return 0;
        }
    }
}
