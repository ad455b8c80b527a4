package org.muki.spark;

import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.Columns;
import org.muki.data.Example;
import org.muki.integration.McScorer;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.io.Hashing;
import org.muki.io.Json;
import org.muki.pipeline.Compute;
import org.muki.pipeline.McOptions;
import org.muki.pipeline.Score;
import org.muki.tensor.Ops;

/**
 * ./muki score on Spark: the Monte-Carlo dropout scores of every row under every teacher,
 * partition by partition on the executors (each teacher loaded once per executor, each task on a
 * backend of its own with threadsPerTask threads), to part files and, with out, one score file
 * in ./muki score's format. An instance's masks depend only on its id and its scores not on its
 * batch, so the lines equal ./muki score's bit for bit whatever the partitioning (their order
 * aside), and a retried task recomputes the same lines.
 */
public final class ScoreJob {
    private ScoreJob() {}

    /**
     * @param out        the single score file, or null for parts only
     * @param parts      the parts folder, or null: a hidden sibling of out, deleted after the merge
     * @param partitions repartition the rows into this many (range-partitioned, order kept), or null
     */
    public record Request(List<String> teachers, String data, String format, Columns columns, McOptions mc, int batchSize, int maxLength,
                          String backend, int threadsPerTask, Integer partitions, String out, String parts, boolean overwrite) {
        public Request {
            if (out == null && parts == null) throw new MukiException("score: give --out (one score file) or --parts (a folder), or both");
            if (batchSize < 1 || maxLength < 3 || threadsPerTask < 1) {
                throw new MukiException("score: --batch-size and --threads-per-task must be at least 1, --max-length at least 3");
            }
        }
    }

    public record Result(long instances, int teachers, String out, String parts, double seconds) {}

    /** What an executor needs to score: the teachers as the driver saw them and the options. */
    record Plan(List<String> dirs, List<String> contents, float[] hidden, float[] attention, int samples, long seed, int maxLength,
                int batchSize, String backend, int threads) implements Serializable {}

    public static Result run(SparkSession spark, Request r) {
        long start = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        if (r.out() != null && exists(r.out(), conf) && !r.overwrite()) throw new MukiException(r.out() + " exists (pass --overwrite to replace it)");
        List<Teacher> teachers = Score.teachers(r.teachers(), Listener.SILENT);
        float[][] rates = Score.rates(teachers, r.mc());
        String header;
        try {
            header = Json.MAPPER.writeValueAsString(ScoreFile.header(sha256(r.data(), conf), teachers, r.mc().samples(), rates[0], rates[1],
                    r.mc().seed(), r.maxLength()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        List<String> dirs = new ArrayList<>(), hashes = new ArrayList<>();
        for (Teacher t : teachers) {
            dirs.add(t.dir().toString());
            hashes.add(TaskModels.contentHash(t));
        }
        Plan plan = new Plan(dirs, hashes, rates[0], rates[1], r.mc().samples(), r.mc().seed(), r.maxLength(), r.batchSize(), r.backend(),
                r.threadsPerTask());

        JavaRDD<SparkData.Item> items = SparkData.read(spark, r.data(), r.format(), r.columns()).items().cache();
        SparkData.checkUniqueIds(items, r.data());
        if (r.partitions() != null) items = items.keyBy(SparkData.Item::index).sortByKey(true, r.partitions()).values();
        long n = items.count();
        JavaRDD<String> lines = items.mapPartitions(rows -> score(plan, rows));
        String parts = r.parts() != null ? r.parts() : Output.siblingParts(r.out());
        Output.writeParts(lines, parts, header, r.parts() != null ? r.overwrite() : true, conf);
        items.unpersist();
        if (r.out() != null) {
            Output.merge(parts, r.out(), r.overwrite(), conf);
            if (r.parts() == null) Output.delete(parts, conf);
        }
        return new Result(n, teachers.size(), r.out(), r.parts(), (System.nanoTime() - start) / 1e9);
    }

    /** Tests (local mode): the first attempt of this partition fails, as a killed task would. */
    static volatile int failFirstAttemptOfPartition = -1;
    static final java.util.concurrent.atomic.AtomicInteger failedAttempts = new java.util.concurrent.atomic.AtomicInteger();

    /** One partition's score lines, computed lazily; the task's backend closes when the task ends. */
    static Iterator<String> score(Plan plan, Iterator<SparkData.Item> rows) {
        TaskContext ctx = TaskContext.get();
        if (ctx != null && ctx.partitionId() == failFirstAttemptOfPartition && ctx.attemptNumber() == 0) {
            failedAttempts.incrementAndGet();
            throw new IllegalStateException("test: task of partition " + ctx.partitionId() + " killed");
        }
        List<Teacher> teachers = new ArrayList<>();
        for (int i = 0; i < plan.dirs().size(); i++) teachers.add(TaskModels.teacher(plan.dirs().get(i), plan.contents().get(i)));
        Ops ops = new Compute(plan.backend(), plan.threads()).open();
        if (ctx != null) ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> ops.close());
        McScorer scorer = new McScorer(teachers, ops, plan.samples(), plan.seed(), plan.hidden(), plan.attention(), plan.maxLength(),
                plan.batchSize());
        Iterator<Example> examples = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Example next() {
                SparkData.Item it = rows.next();
                return new Example(it.id(), it.text(), it.textPair(), null);
            }
        };
        return scorer.lines(examples);
    }

    /**
     * The data's SHA-256 as ./muki score records it: of the file's bytes; of a folder (Parquet),
     * of its data files' bytes in name order (files starting with _ or . left out).
     */
    static String sha256(String path, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            FileSystem fs = p.getFileSystem(conf);
            List<org.apache.hadoop.fs.Path> files = new ArrayList<>();
            if (fs.getFileStatus(p).isDirectory()) {
                List<FileStatus> list = new ArrayList<>(List.of(fs.listStatus(p)));
                list.sort(java.util.Comparator.comparing(s -> s.getPath().getName()));
                for (FileStatus s : list) {
                    String name = s.getPath().getName();
                    if (s.isFile() && !name.startsWith("_") && !name.startsWith(".")) files.add(s.getPath());
                }
            } else {
                files.add(p);
            }
            List<Hashing.Source> sources = new ArrayList<>();
            for (org.apache.hadoop.fs.Path f : files) sources.add(new Hashing.Source(f.toString(), () -> fs.open(f)));
            return Hashing.sha256(sources);
        } catch (java.io.FileNotFoundException e) {
            throw new MukiException(path + ": missing");
        } catch (java.io.IOException e) {
            throw new MukiException(path + ": cannot read (" + e.getMessage() + ")");
        }
    }

    static boolean exists(String path, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            return p.getFileSystem(conf).exists(p);
        } catch (java.io.IOException e) {
            throw new MukiException(path + ": cannot check (" + e.getMessage() + ")");
        }
    }
}
