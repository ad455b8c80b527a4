package org.muki.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import org.muki.model.Batch;
import org.muki.model.BertConfig;
import org.muki.model.BertModel;
import org.muki.model.BertWeights;
import org.muki.tensor.Backends;
import org.muki.tensor.Dropout;
import org.muki.tensor.Ops;
import org.muki.tensor.Tensor;
import org.muki.train.Losses;
import org.muki.train.Optimizer;

/**
 * Throughput of what users quote: one benchmark operation is one batch; multiply the reported
 * ops/s by batch (eval, encoder, train) or batch * samples (mc) for sequences/s. Shapes: tiny
 * L2/H128/A2/I512, mini L4/H256/A4/I1024, small L4/H512/A8/I2048, base L12/H768/A12/I3072,
 * random weights, vocabulary 30,522, two labels. Results as JSON with `-rf json`.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx16g"})
public class MukiBenchmarks {
    @Param({"tiny", "mini", "small", "base"})
    public String shape;

    @Param({"java", "nd4j", "opencl"})
    public String backend;

    @Param({"32"})
    public int batch;

    @Param({"128"})
    public int seq;

    @Param({"16"})
    public int samples;

    @Param({"2"})
    public int threads;

    private Ops ops;
    private BertModel model;
    private Batch input;
    private Optimizer optimizer;
    private int[] labels;
    private int step;
    private Tensor gemmA, gemmB, gemmC;

    @Setup(Level.Trial)
    public void setUp() {
        BertConfig config = BertConfig.shape(shape, 30522, List.of("a", "b"));
        ops = Backends.create(backend, threads);
        model = new BertModel(config, BertWeights.random(config, 7), ops);
        input = Batch.random(batch, seq, config.vocabSize(), 1);
        labels = new int[batch];
        for (int b = 0; b < batch; b++) labels[b] = b % 2;
        optimizer = new Optimizer(ops, model.parameters(), model.gradients(), 0.9f, 0.999f, 1e-8f, 0.01f, 1f);
        // The largest GEMM of the shape: the feed-forward up-projection, [batch * seq, H] x [I, H]^T.
        gemmA = ops.allocate(batch * seq, config.hiddenSize());
        gemmB = ops.allocate(config.intermediateSize(), config.hiddenSize());
        gemmC = ops.allocate(batch * seq, config.intermediateSize());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ops.close();
    }

    /** K Monte-Carlo dropout samples of the batch, folded into one forward pass. */
    @Benchmark
    public void mcSampling(Blackhole bh) {
        bh.consume(model.mcLogits(input, samples, 42, 0.1f, 0.1f));
    }

    /** One deterministic forward pass to the logits (the last layer on [CLS] rows only). */
    @Benchmark
    public void evalForward(Blackhole bh) {
        bh.consume(model.logits(input));
    }

    /**
     * One deterministic pass of the whole encoder: every token's final hidden state, as Hugging
     * Face's model computes it (the encoder-versus-GEMM efficiency is measured on this one).
     */
    @Benchmark
    public void encoderForward(Blackhole bh) {
        bh.consume(model.hiddenStates(input));
    }

    /** One student training step: forward with dropout, cross-entropy, backward, AdamW. */
    @Benchmark
    public void trainingStep() {
        var cfg = model.config();
        Dropout d = new Dropout(step++, cfg.hiddenDropout(), cfg.attentionDropout(), input.instanceKeys(), new int[batch]);
        float[] logits = model.trainingLogits(input, d);
        model.zeroGradients();
        model.backward(Losses.crossEntropy(logits, cfg.numLabels(), labels).dLogits());
        optimizer.step(1e-4f);
    }

    /** The shape's largest GEMM alone (2 * batch * seq * H * I flops per op). */
    @Benchmark
    public void gemm() {
        ops.gemm(gemmA, false, gemmB, true, gemmC, 0f);
    }
}
