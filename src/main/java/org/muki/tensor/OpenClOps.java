package org.muki.tensor;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.muki.MukiException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The OpenCL backend: tensors live in device buffers, every op is one or a few kernel launches
 * from kernels/*.cl on one in-order queue, and only uploads, downloads and the small per-batch
 * index arrays cross to the host. Dropout masks are generated inside the kernels from the same
 * Philox coordinates as the Java backends.
 */
public final class OpenClOps implements Ops {

    /** A row-major matrix in one device buffer. */
    public static final class ClTensor implements Tensor {
        private final int rows, cols;
        private cl_mem buffer;

        private ClTensor(cl_mem buffer, int rows, int cols) {
            this.buffer = buffer;
            this.rows = rows;
            this.cols = cols;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public int cols() {
            return cols;
        }

        private cl_mem buffer() {
            if (buffer == null) throw new IllegalStateException("OpenCL tensor used after release");
            return buffer;
        }
    }

    /** The kernel sources, concatenated in this order into one program (philox.cl first: others call it). */
    static final String[] SOURCES = {"philox.cl", "gemm.cl", "elementwise.cl", "layernorm.cl", "embedding.cl", "attention.cl"};

    private static final int GEMM_TILE = 64, GEMM_GROUP = 16, PARTIALS = 1024;

    private final OpenCl.Device device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_program program;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final Set<ClTensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Device copies of small host arrays, one buffer per role, grown on demand. */
    private final Map<String, cl_mem> scratch = new HashMap<>();
    private final Map<String, Long> scratchBytes = new HashMap<>();
    /** What the dropout / mask scratch buffers hold now, to skip re-uploading the same arrays. */
    private int[] heldInstanceKey, heldSample;
    private float[] heldMaskAdd;

    /** Opens the device named by spec (see {@link OpenCl#choose}) and builds the kernels. */
    public static OpenClOps create(String spec) {
        OpenCl.Device d = OpenCl.choose(spec);
        if (d.maxWorkGroupSize() < GEMM_GROUP * GEMM_GROUP) {
            throw new MukiException("OpenCL device '" + d.name() + "' allows work-groups of " + d.maxWorkGroupSize()
                    + " items; the GEMM kernel needs " + GEMM_GROUP * GEMM_GROUP);
        }
        return new OpenClOps(d);
    }

    private OpenClOps(OpenCl.Device device) {
        this.device = device;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, device.platform());
        context = CL.clCreateContext(props, 1, new org.jocl.cl_device_id[] {device.id()}, null, null, null);
        @SuppressWarnings("deprecation") // clCreateCommandQueueWithProperties needs OpenCL 2.0; PoCL offers 1.2 here
        cl_command_queue q = CL.clCreateCommandQueue(context, device.id(), 0, null);
        queue = q;
        program = CL.clCreateProgramWithSource(context, 1, new String[] {source()}, null, null);
        try {
            CL.clBuildProgram(program, 0, null, "-cl-std=CL1.2", null, null);
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL kernels failed to build on " + device.name() + ":\n" + buildLog(), e);
        }
    }

    /** The device this backend runs on. */
    public OpenCl.Device device() {
        return device;
    }

    static String source() {
        StringBuilder all = new StringBuilder();
        for (String name : SOURCES) {
            try (InputStream in = OpenClOps.class.getResourceAsStream("/kernels/" + name)) {
                if (in == null) throw new IllegalStateException("kernel source kernels/" + name + " is missing from the jar");
                all.append("// ---- ").append(name).append('\n')
                        .append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new IllegalStateException("cannot read kernels/" + name, e);
            }
        }
        return all.toString();
    }

    private String buildLog() {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device.id(), CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device.id(), CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, StandardCharsets.UTF_8).trim();
    }

    /** A GPU takes the whole folded batch (launch overhead); a CPU device wants cache-sized passes. */
    @Override
    public int mcTokenRows() {
        return device.type().equals("GPU") ? Integer.MAX_VALUE : 4096;
    }

    @Override
    public String name() {
        return "opencl";
    }

    private static ClTensor c(Tensor t) {
        return (ClTensor) t;
    }

    private static void require(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException(what);
    }

    // ---- buffers

    private cl_mem createBuffer(long bytes, long flags, Pointer host) {
        try {
            return CL.clCreateBuffer(context, flags, Math.max(bytes, Sizeof.cl_float), host, null);
        } catch (CLException e) {
            throw new MukiException("OpenCL device '" + device.name() + "' cannot allocate " + (bytes >> 20)
                    + " MiB (" + e.getMessage() + "); lower --batch-size or --max-length");
        }
    }

    private ClTensor track(cl_mem buffer, int rows, int cols) {
        ClTensor t = new ClTensor(buffer, rows, cols);
        live.add(t);
        return t;
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        long bytes = (long) Math.multiplyExact(rows, cols) * Sizeof.cl_float;
        cl_mem m = createBuffer(bytes, CL.CL_MEM_READ_WRITE, null);
        ClTensor t = track(m, rows, cols);
        zero(t);
        return t;
    }

    @Override
    public Tensor upload(float[] host, int rows, int cols) {
        require(host.length == rows * cols, "upload: " + host.length + " values for " + rows + "x" + cols);
        if (host.length == 0) return allocate(rows, cols);
        cl_mem m = createBuffer((long) host.length * Sizeof.cl_float, CL.CL_MEM_READ_WRITE | CL.CL_MEM_COPY_HOST_PTR,
                Pointer.to(host));
        return track(m, rows, cols);
    }

    @Override
    public void release(Tensor t) {
        ClTensor ct = c(t);
        if (ct.buffer != null && live.remove(ct)) {
            CL.clReleaseMemObject(ct.buffer);
            ct.buffer = null;
        }
    }

    @Override
    public void write(float[] host, Tensor t) {
        require(host.length == t.size(), "write: " + host.length + " values for " + t.rows() + "x" + t.cols());
        if (host.length == 0) return;
        CL.clEnqueueWriteBuffer(queue, c(t).buffer(), CL.CL_TRUE, 0, (long) host.length * Sizeof.cl_float,
                Pointer.to(host), 0, null, null);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        require(src.size() == dst.size(), "copy: sizes differ");
        if (src.size() == 0 || src == dst) return;
        CL.clEnqueueCopyBuffer(queue, c(src).buffer(), c(dst).buffer(), 0, 0, src.size() * Sizeof.cl_float, 0, null, null);
    }

    @Override
    public void download(Tensor t, float[] host) {
        require(host.length >= t.size(), "download: " + host.length + " values for " + t.rows() + "x" + t.cols());
        if (t.size() == 0) return;
        CL.clEnqueueReadBuffer(queue, c(t).buffer(), CL.CL_TRUE, 0, t.size() * Sizeof.cl_float, Pointer.to(host),
                0, null, null);
    }

    @Override
    public void zero(Tensor t) {
        CL.clEnqueueFillBuffer(queue, c(t).buffer(), Pointer.to(new float[] {0f}), Sizeof.cl_float, 0,
                Math.max(1, t.size()) * Sizeof.cl_float, 0, null, null);
    }

    private cl_mem scratch(String role, long bytes) {
        Long have = scratchBytes.get(role);
        if (have == null || have < bytes) {
            cl_mem old = scratch.remove(role);
            if (old != null) CL.clReleaseMemObject(old);
            // A grown buffer no longer holds what the caches below say it holds.
            if (role.equals("instanceKey") || role.equals("sample")) heldInstanceKey = heldSample = null;
            if (role.equals("maskAdd")) heldMaskAdd = null;
            scratch.put(role, createBuffer(bytes, CL.CL_MEM_READ_WRITE, null));
            scratchBytes.put(role, Math.max(bytes, Sizeof.cl_float));
        }
        return scratch.get(role);
    }

    /** The scratch buffer of a role holding a copy of bytes of host memory (written blocking). */
    private cl_mem hostCopy(String role, Pointer host, long bytes) {
        cl_mem m = scratch(role, bytes);
        if (bytes > 0) CL.clEnqueueWriteBuffer(queue, m, CL.CL_TRUE, 0, bytes, host, 0, null, null);
        return m;
    }

    private cl_mem ints(String role, int[] values) {
        return hostCopy(role, Pointer.to(values), (long) values.length * Sizeof.cl_int);
    }

    // ---- launches

    private cl_kernel kernel(String name) {
        return kernels.computeIfAbsent(name, n -> CL.clCreateKernel(program, n, null));
    }

    /** Sets the arguments (tensors, buffers, ints, floats) and enqueues the kernel over global. */
    private void launch(String name, long[] global, long[] local, Object... args) {
        for (long g : global) if (g == 0) return;
        cl_kernel k = kernel(name);
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof ClTensor t) {
                CL.clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(t.buffer()));
            } else if (a instanceof cl_mem m) {
                CL.clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
            } else if (a instanceof Integer v) {
                CL.clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            } else if (a instanceof Float v) {
                CL.clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
            } else if (a instanceof Boolean v) {
                CL.clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v ? 1 : 0}));
            } else {
                throw new IllegalArgumentException("kernel " + name + " argument " + i + ": " + a);
            }
        }
        CL.clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null);
    }

    private void launch(String name, long[] global, Object... args) {
        launch(name, global, null, args);
    }

    private static long[] range(long... sizes) {
        return sizes;
    }

    // ---- dense algebra

    private void gemmBias(Tensor ta, boolean transA, Tensor tb, boolean transB, Tensor tc, float beta, Tensor bias) {
        int m = transA ? ta.cols() : ta.rows();
        int k = transA ? ta.rows() : ta.cols();
        int n = transB ? tb.rows() : tb.cols();
        require((transB ? tb.cols() : tb.rows()) == k && tc.rows() == m && tc.cols() == n,
                "gemm: shapes " + ta.rows() + "x" + ta.cols() + (transA ? "^T" : "") + " * " + tb.rows() + "x" + tb.cols()
                        + (transB ? "^T" : "") + " -> " + tc.rows() + "x" + tc.cols());
        require(bias == null || bias.size() == n, "linear: bias of " + (bias == null ? 0 : bias.size()) + " for width " + n);
        long groupsN = (n + GEMM_TILE - 1) / GEMM_TILE, groupsM = (m + GEMM_TILE - 1) / GEMM_TILE;
        launch("gemm", range(groupsN * GEMM_GROUP, groupsM * GEMM_GROUP), range(GEMM_GROUP, GEMM_GROUP),
                m, n, k, ta, ta.cols(), transA, tb, tb.cols(), transB, tc, beta, bias == null ? tc : bias, bias != null);
    }

    @Override
    public void gemm(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float beta) {
        gemmBias(a, transA, b, transB, c, beta, null);
    }

    /** The bias is added in the GEMM's store: one pass over y instead of two. */
    @Override
    public void linear(Tensor x, Tensor weight, Tensor bias, Tensor y) {
        gemmBias(x, false, weight, true, y, 0f, bias);
    }

    @Override
    public void sumRows(Tensor x, Tensor out) {
        require(out.size() == x.cols(), "sumRows: output of " + out.size() + " for width " + x.cols());
        launch("sum_rows", range(x.cols()), x, out, x.rows(), x.cols());
    }

    @Override
    public void addBias(Tensor x, Tensor bias) {
        require(bias.size() == x.cols(), "addBias: bias of " + bias.size() + " for width " + x.cols());
        launch("add_bias", range(x.cols(), x.rows()), x, bias, x.rows(), x.cols());
    }

    @Override
    public void add(Tensor x, Tensor other) {
        require(x.size() == other.size(), "add: sizes differ");
        launch("add", range(x.size()), x, other, (int) x.size());
    }

    @Override
    public void gelu(Tensor x, Tensor out) {
        require(x.size() == out.size(), "gelu: sizes differ");
        launch("gelu", range(x.size()), x, out, (int) x.size());
    }

    @Override
    public void geluBackward(Tensor x, Tensor dOut, Tensor dX) {
        launch("gelu_backward", range(x.size()), x, dOut, dX, (int) x.size());
    }

    @Override
    public void tanh(Tensor x) {
        launch("tanh_inplace", range(x.size()), x, (int) x.size());
    }

    @Override
    public void tanhBackward(Tensor y, Tensor dOut, Tensor dX) {
        launch("tanh_backward", range(y.size()), y, dOut, dX, (int) y.size());
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out) {
        require(gamma.size() == x.cols() && beta.size() == x.cols() && out.size() == x.size(), "layerNorm: shapes");
        launch("layer_norm", range(x.rows()), x, gamma, beta, eps, out, x.rows(), x.cols());
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor gamma, float eps, Tensor dOut, Tensor dX, Tensor dGamma, Tensor dBeta) {
        cl_mem stats = scratch("layerNormStats", 2L * x.rows() * Sizeof.cl_float);
        launch("layer_norm_backward_rows", range(x.rows()), x, gamma, eps, dOut, dX, stats, x.rows(), x.cols());
        launch("layer_norm_backward_columns", range(x.cols()), x, dOut, stats, dGamma, dBeta, x.rows(), x.cols());
    }

    // ---- embeddings and row moves

    @Override
    public void embed(int[] ids, int[] typeIds, int seqLen, Tensor words, Tensor positions, Tensor types, Tensor out) {
        require(ids.length == out.rows() && typeIds.length == out.rows(), "embed: " + ids.length + " ids for " + out.rows() + " rows");
        launch("embed", range(out.cols(), out.rows()), ints("ids", ids), ints("typeIds", typeIds), seqLen,
                words, positions, types, out, out.rows(), out.cols());
    }

    @Override
    public void embedBackward(int[] ids, int[] typeIds, int seqLen, Tensor dOut, Tensor dWords, Tensor dPositions, Tensor dTypes) {
        launch("embed_backward", range(dOut.cols()), ints("ids", ids), ints("typeIds", typeIds), seqLen,
                dOut, dWords, dPositions, dTypes, dOut.rows(), dOut.cols());
    }

    @Override
    public void gatherRows(Tensor src, int[] rows, Tensor dst) {
        require(dst.cols() == src.cols() && dst.rows() == rows.length, "gatherRows: shapes");
        launch("gather_rows", range(dst.cols(), rows.length), src, ints("rowIndex", rows), dst, rows.length, dst.cols());
    }

    @Override
    public void scatterAddRows(Tensor src, int[] rows, Tensor dst) {
        launch("scatter_add_rows", range(src.cols()), src, ints("rowIndex", rows), dst, rows.length, src.cols());
    }

    // ---- dropout and attention

    /** Uploads the dropout's per-row keys unless the scratch buffers already hold them. */
    private cl_mem[] dropoutRows(Dropout d) {
        if (!Arrays.equals(d.instanceKey(), heldInstanceKey) || !Arrays.equals(d.sample(), heldSample)) {
            ints("instanceKey", d.instanceKey());
            ints("sample", d.sample());
            heldInstanceKey = d.instanceKey().clone();
            heldSample = d.sample().clone();
        }
        return new cl_mem[] {scratch.get("instanceKey"), scratch.get("sample")};
    }

    @Override
    public void dropout(Tensor x, Dropout d, int siteCode, int rowsPerInstance) {
        require(x.rows() == d.rows() * rowsPerInstance, "dropout: " + x.rows() + " rows for " + d.rows() + " x " + rowsPerInstance);
        float p = d.hiddenP();
        if (p == 0f) return;
        cl_mem[] keys = dropoutRows(d);
        launch("dropout_rows", range(x.cols(), x.rows()), x, x.rows(), x.cols(), rowsPerInstance, keys[0], keys[1],
                siteCode, (int) d.seed(), (int) (d.seed() >>> 32), (int) Dropout.threshold(p), 1f / (1f - p));
    }

    private cl_mem maskAdd(float[] maskAdd) {
        if (!Arrays.equals(maskAdd, heldMaskAdd)) {
            hostCopy("maskAdd", Pointer.to(maskAdd), (long) maskAdd.length * Sizeof.cl_float);
            heldMaskAdd = maskAdd.clone();
        }
        return scratch.get("maskAdd");
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, float[] maskAdd, AttentionShape s, Dropout dropout, int siteCode,
                          Tensor probs, Tensor context) {
        int t = s.seqLen(), nq = s.queries(), bh = s.batch() * s.heads();
        require(q.rows() == s.batch() * nq && q.cols() == s.hidden() && k.rows() == s.batch() * t && v.rows() == k.rows()
                && probs.rows() == bh * nq && probs.cols() == t && context.rows() == q.rows() && context.cols() == s.hidden()
                && maskAdd.length == s.batch() * t, "attention: shapes");
        float scale = (float) (1.0 / Math.sqrt(s.headDim()));
        boolean drop = dropout != null && dropout.attentionP() > 0f;
        launch("attention_scores", range(t, nq, bh), q, k, maskAdd(maskAdd), probs, s.batch(), t, nq, s.heads(), s.headDim(), scale);
        cl_mem weights = drop ? scratch("attentionWeights", probs.size() * Sizeof.cl_float) : c(probs).buffer();
        launch("attention_softmax", range(nq, bh), withDropout(new Object[] {probs, weights, s.batch(), t, nq, s.heads(),
                s.maxPositions(), drop}, dropout, siteCode, drop));
        launch("attention_context", range(s.headDim(), nq, bh), weights, v, context, s.batch(), t, nq, s.heads(), s.headDim());
    }

    /** Appends the attention dropout arguments (keys, site, seed words, threshold, scale). */
    private Object[] withDropout(Object[] head, Dropout d, int siteCode, boolean drop) {
        Object[] all = Arrays.copyOf(head, head.length + 7);
        cl_mem[] keys = drop ? dropoutRows(d) : new cl_mem[] {scratch("none", 4), scratch("none", 4)};
        float p = drop ? d.attentionP() : 0f;
        long seed = drop ? d.seed() : 0L;
        all[head.length] = keys[0];
        all[head.length + 1] = keys[1];
        all[head.length + 2] = siteCode;
        all[head.length + 3] = (int) seed;
        all[head.length + 4] = (int) (seed >>> 32);
        all[head.length + 5] = (int) Dropout.threshold(p);
        all[head.length + 6] = 1f / (1f - p);
        return all;
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, AttentionShape s, Dropout dropout, int siteCode,
                                  Tensor probs, Tensor dContext, Tensor dQ, Tensor dK, Tensor dV) {
        s.requireEveryQuery("attentionBackward");
        int t = s.seqLen(), bh = s.batch() * s.heads(), dh = s.headDim();
        boolean drop = dropout != null && dropout.attentionP() > 0f;
        long bytes = probs.size() * Sizeof.cl_float;
        cl_mem mask = scratch("attentionMask", bytes);
        cl_mem dP = scratch("attentionGrad", bytes);
        if (drop) {
            launch("attention_mask", range(t, t, bh), withDropout(new Object[] {mask, s.batch(), t, s.heads(),
                    s.maxPositions()}, dropout, siteCode, true));
        }
        // context = W v  =>  dV = W^T dC (W = probs * mask), dW = dC v^T (* mask)
        launch("attention_weighted_keys", range(dh, t, bh), probs, mask, drop, dContext, dV, s.batch(), t, s.heads(), dh);
        launch("attention_dp", range(t, t, bh), dContext, v, mask, drop, dP, s.batch(), t, s.heads(), dh);
        launch("attention_softmax_backward", range(t, bh), probs, dP, s.batch(), t, s.heads(), (float) (1.0 / Math.sqrt(dh)));
        // scores = q k^T  =>  dQ = dS k (the context product), dK = dS^T q (the dV product, no mask)
        launch("attention_context", range(dh, t, bh), dP, k, dQ, s.batch(), t, t, s.heads(), dh);
        launch("attention_weighted_keys", range(dh, t, bh), dP, mask, false, q, dK, s.batch(), t, s.heads(), dh);
    }

    // ---- reductions and the optimizer

    @Override
    public double sumSquares(Tensor x) {
        int n = (int) x.size();
        int groups = Math.max(1, Math.min(PARTIALS, n));
        cl_mem partial = scratch("partialSums", (long) groups * Sizeof.cl_float);
        launch("sum_squares", range(groups), x, n, partial);
        float[] host = new float[groups];
        CL.clEnqueueReadBuffer(queue, partial, CL.CL_TRUE, 0, (long) groups * Sizeof.cl_float, Pointer.to(host), 0, null, null);
        double sum = 0;
        for (float v : host) sum += v;
        return sum;
    }

    @Override
    public void adamW(Tensor p, Tensor g, Tensor m, Tensor v, AdamW a) {
        launch("adamw", range(p.size()), p, g, m, v, (int) p.size(), a.lr(), a.beta1(), a.beta2(), a.eps(),
                a.weightDecay(), a.gradScale(), a.bc1(), a.bc2());
    }

    @Override
    public void close() {
        for (ClTensor t : live) {
            CL.clReleaseMemObject(t.buffer);
            t.buffer = null;
        }
        live.clear();
        scratch.values().forEach(CL::clReleaseMemObject);
        scratch.clear();
        kernels.values().forEach(CL::clReleaseKernel);
        kernels.clear();
        CL.clReleaseProgram(program);
        CL.clReleaseCommandQueue(queue);
        CL.clReleaseContext(context);
    }
}
