package org.muki.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.Columns;
import org.muki.data.ModelInputs;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.io.Pretrained;
import org.muki.model.Pooling;
import org.muki.pipeline.Compute;
import org.muki.pipeline.McOptions;
import org.muki.pipeline.Predict;
import org.muki.pipeline.Predictor;

/**
 * ./muki predict and ./muki embed on Spark: every row's prediction (with mc, its Monte-Carlo
 * uncertainty) or sentence embedding, in input order, as JSON Lines (./muki's lines, with the
 * row's id first when the input has an id column) or Parquet. Input row i (from 0) is keyed by i
 * for its dropout masks, as ./muki predict keys line i, so the numbers equal ./muki predict's on
 * the same texts.
 */
public final class PredictJob {
    private PredictJob() {}

    /**
     * @param mc          Monte-Carlo options (predict), or null
     * @param pooling     embed: mean or cls; null for predict
     * @param outFormat   jsonl or parquet
     * @param out         jsonl: one file (null for parts only); parquet: the folder
     * @param parts       jsonl: the parts folder, or null for a hidden sibling of out
     */
    public record Request(String model, String data, String format, Columns columns, McOptions mc, Pooling pooling, boolean normalize,
                          int batchSize, Integer maxLength, String backend, int threadsPerTask, Integer partitions, String outFormat,
                          String out, String parts, boolean overwrite) {
        public Request {
            if (!List.of("jsonl", "parquet").contains(outFormat)) throw new MukiException("--out-format must be jsonl or parquet, got '" + outFormat + "'");
            if (out == null && (parts == null || outFormat.equals("parquet"))) throw new MukiException("give --out" + (outFormat.equals("jsonl") ? " or --parts" : ""));
            if (batchSize < 1 || threadsPerTask < 1) throw new MukiException("--batch-size and --threads-per-task must be at least 1");
        }
    }

    public record Result(long rows, String out, double seconds) {}

    record Plan(String dir, String content, Integer samples, long seed, Float hidden, Float attention, Pooling pooling, boolean normalize, int batchSize, Integer maxLength, String backend, int threads,
                boolean withId) implements Serializable {}

    public static Result run(SparkSession spark, Request r) {
        long start = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        if (r.out() != null && ScoreJob.exists(r.out(), conf) && !r.overwrite()) throw new MukiException(r.out() + " exists (pass --overwrite to replace it)");
        String dir = Pretrained.resolve(r.model(), m -> {}).toString();
        HfCheckpoint ckpt = HfCheckpoint.load(java.nio.file.Path.of(dir));
        if (r.pooling() == null && ckpt.config().numLabels() == 0) throw new MukiException(dir + ": has no classifier head (an encoder cannot predict; use embed)");
        if (ckpt.vocab() == null) throw new MukiException(dir + ": has no vocabulary to tokenize text with");
        if (r.maxLength() != null && r.maxLength() > ckpt.config().maxPositions()) {
            throw new MukiException("--max-length " + r.maxLength() + " exceeds max_position_embeddings " + ckpt.config().maxPositions());
        }
        SparkData.Input input = SparkData.read(spark, r.data(), r.format(), r.columns());
        JavaRDD<SparkData.Item> items = input.items().cache();
        boolean withId = input.hasIdColumn();
        if (withId) SparkData.checkUniqueIds(items, r.data());
        if (r.partitions() != null) items = items.keyBy(SparkData.Item::index).sortByKey(true, r.partitions()).values();
        McOptions mc = r.mc();
        Plan plan = new Plan(dir, TaskModels.contentHash(java.nio.file.Path.of(dir)), mc == null ? null : mc.samples(), mc == null ? 0 : mc.seed(), mc == null ? null : mc.hiddenDropout(),
                mc == null ? null : mc.attentionDropout(), r.pooling(), r.normalize(), r.batchSize(), r.maxLength(), r.backend(), r.threadsPerTask(), withId);
        long n;
        if (r.outFormat().equals("parquet")) {
            JavaRDD<Row> rows = items.mapPartitions(it -> rows(plan, it));
            var df = spark.createDataFrame(rows, schema(plan, ckpt));
            var writer = df.write().mode(r.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
            writer.parquet(r.out());
            n = items.count();
        } else {
            JavaRDD<String> lines = items.mapPartitions(it -> lines(plan, it));
            String parts = r.parts() != null ? r.parts() : Output.siblingParts(r.out());
            Output.writeParts(lines, parts, null, r.parts() != null ? r.overwrite() : true, conf);
            n = items.count();
            if (r.out() != null) {
                Output.merge(parts, r.out(), r.overwrite(), conf);
                if (r.parts() == null) Output.delete(parts, conf);
            }
        }
        items.unpersist();
        return new Result(n, r.out(), (System.nanoTime() - start) / 1e9);
    }

    /** One computed chunk of a partition: its items and, per item, a prediction or an embedding. */
    private record Chunk(List<SparkData.Item> items, List<Predictor.Prediction> predictions, float[][] embeddings) {}

    /** A partition's results, computed lazily a chunk of batches at a time on the task's own backend. */
    private static Iterator<Chunk> chunks(Plan plan, Iterator<SparkData.Item> rows) {
        Predictor p = new Predictor(java.nio.file.Path.of(plan.dir()), TaskModels.checkpoint(plan.dir(), plan.content()), new Compute(plan.backend(), plan.threads()));
        TaskContext task = TaskContext.get();
        if (task != null) task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> p.close());
        int chunk = plan.batchSize() * 50;
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Chunk next() {
                List<SparkData.Item> items = new ArrayList<>();
                while (rows.hasNext() && items.size() < chunk) items.add(rows.next());
                List<String> texts = new ArrayList<>(), pairs = new ArrayList<>();
                for (SparkData.Item it : items) {
                    texts.add(it.text());
                    pairs.add(it.textPair());
                }
                ModelInputs inputs = p.encode(texts, pairs, plan.maxLength());
                if (plan.pooling() != null) return new Chunk(items, null, p.embed(inputs, plan.pooling(), plan.normalize(), plan.batchSize()));
                int[] keys = new int[items.size()];
                for (int i = 0; i < keys.length; i++) {
                    long index = items.get(i).index();
                    if (index > Integer.MAX_VALUE) throw new MukiException("row " + index + ": more rows than dropout keys (2^31)");
                    keys[i] = (int) index;
                }
                McOptions mc = plan.samples() == null ? null : new McOptions(plan.samples(), plan.seed(), plan.hidden(), plan.attention());
                return new Chunk(items, p.predict(inputs, keys, mc, plan.batchSize()), null);
            }
        };
    }

    static Iterator<String> lines(Plan plan, Iterator<SparkData.Item> rows) {
        Iterator<Chunk> chunks = chunks(plan, rows);
        return new Flat<>(chunks, c -> {
            List<String> out = new ArrayList<>(c.items().size());
            for (int i = 0; i < c.items().size(); i++) {
                ObjectNode o = c.embeddings() != null ? Predict.embeddingJson(c.embeddings()[i]) : Predict.json(c.predictions().get(i));
                if (plan.withId()) {
                    ObjectNode withId = Json.MAPPER.createObjectNode().put("id", c.items().get(i).id());
                    withId.setAll(o);
                    o = withId;
                }
                try {
                    out.add(Json.MAPPER.writeValueAsString(o));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        });
    }

    static Iterator<Row> rows(Plan plan, Iterator<SparkData.Item> items) {
        Iterator<Chunk> chunks = chunks(plan, items);
        return new Flat<>(chunks, c -> {
            List<Row> out = new ArrayList<>(c.items().size());
            for (int i = 0; i < c.items().size(); i++) {
                SparkData.Item it = c.items().get(i);
                if (c.embeddings() != null) {
                    out.add(RowFactory.create(it.index(), it.id(), floats(c.embeddings()[i])));
                } else {
                    Predictor.Prediction p = c.predictions().get(i);
                    out.add(RowFactory.create(it.index(), it.id(), p.label(), floats(p.logits()), doubles(p.probs()),
                            p.mcProbs() == null ? null : doubles(p.mcProbs()), p.uncertainty(), p.score()));
                }
            }
            return out;
        });
    }

    static StructType schema(Plan plan, HfCheckpoint ckpt) {
        StructType s = new StructType().add("index", DataTypes.LongType, false).add("id", DataTypes.StringType, false);
        if (plan.pooling() != null) return s.add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        return s.add("label", DataTypes.StringType, false).add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("probs", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
                .add("mc_probs", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
                .add("uncertainty", DataTypes.DoubleType, true).add("score", DataTypes.DoubleType, true);
    }

    private static Float[] floats(float[] v) {
        Float[] o = new Float[v.length];
        for (int i = 0; i < v.length; i++) o[i] = v[i];
        return o;
    }

    private static Double[] doubles(double[] v) {
        Double[] o = new Double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = v[i];
        return o;
    }

    /** The elements of each chunk's list, in order. */
    private static final class Flat<C, T> implements Iterator<T> {
        private final Iterator<C> chunks;
        private final java.util.function.Function<C, List<T>> expand;
        private Iterator<T> current = java.util.Collections.emptyIterator();

        Flat(Iterator<C> chunks, java.util.function.Function<C, List<T>> expand) {
            this.chunks = chunks;
            this.expand = expand;
        }

        @Override
        public boolean hasNext() {
            while (!current.hasNext() && chunks.hasNext()) current = expand.apply(chunks.next()).iterator();
            return current.hasNext();
        }

        @Override
        public T next() {
            if (!hasNext()) throw new java.util.NoSuchElementException();
            return current.next();
        }
    }
}
