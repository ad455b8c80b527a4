package org.muki.bench;

import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import org.muki.data.Columns;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.text.TokenizerJson;
import org.muki.text.WordPieceTokenizer;

/**
 * ONNX Runtime's side of the real-text comparison (benchmarks only; never on muki's run-time
 * path): the same ONNX graph muki imported, run by ONNX Runtime's Java API on the same texts,
 * tokenized by the same tokenizer.json, in the same batches (file order, padded per batch), with
 * the same number of intra-op threads, timed like ./muki bench --data: passes for --warmup
 * seconds, then whole sweeps over the data for at least --seconds. Prints the same last lines
 * (tokens/s counts real tokens).
 *
 * <pre>java -cp target/benchmarks.jar org.muki.bench.OnnxRuntimeBench --onnx all-minilm-l6-v2.onnx
 *     --tokenizer tokenizer.json --data test.tsv [--batch 32] [--threads 2] [--seconds 10] [--warmup 3]</pre>
 */
public final class OnnxRuntimeBench {
    private OnnxRuntimeBench() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        Path onnx = Path.of(a.get("onnx")), data = Path.of(a.get("data"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "32")), threads = Integer.parseInt(a.getOrDefault("threads", "2"));
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "10")), warmup = Double.parseDouble(a.getOrDefault("warmup", "3"));
        TokenizerJson tj = TokenizerJson.read(Path.of(a.get("tokenizer")));
        WordPieceTokenizer tok = new WordPieceTokenizer(tj.vocab(), tj.options());
        List<Example> texts = Dataset.read(data, Columns.DEFAULT, Dataset.Labels.OPTIONAL, false).examples();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        List<Map<String, OnnxTensor>> feeds = new ArrayList<>();
        List<int[]> counts = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += batch) {
            int to = Math.min(texts.size(), from + batch), t = 0, real = 0;
            List<int[]> ids = new ArrayList<>();
            for (int i = from; i < to; i++) {
                int[] e = tok.encode(texts.get(i).text(), texts.get(i).textPair(), 512).ids();
                ids.add(e);
                t = Math.max(t, e.length);
                real += e.length;
            }
            long[] input = new long[ids.size() * t], mask = new long[ids.size() * t], types = new long[ids.size() * t];
            for (int b = 0; b < ids.size(); b++) {
                for (int j = 0; j < ids.get(b).length; j++) {
                    input[b * t + j] = ids.get(b)[j];
                    mask[b * t + j] = 1;
                }
            }
            long[] shape = {ids.size(), t};
            Map<String, OnnxTensor> feed = new HashMap<>();
            feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(input), shape));
            feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            feed.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
            feeds.add(feed);
            counts.add(new int[] {ids.size(), real});
        }
        try (OrtSession session = env.createSession(onnx.toString(), options)) {
            System.out.printf("onnxruntime: %s, data %s (%d texts), batch %d, threads %d%n", onnx, data, texts.size(), batch, threads);
            long end = System.nanoTime() + (long) (warmup * 1e9);
            int next = 0;
            do {
                session.run(feeds.get(next++ % feeds.size())).close();
            } while (System.nanoTime() < end);
            long start = System.nanoTime(), sequences = 0, tokens = 0;
            next = 0;
            while (next == 0 || System.nanoTime() - start < seconds * 1e9 || next % feeds.size() != 0) {
                int i = next++ % feeds.size();
                session.run(feeds.get(i)).close();
                sequences += counts.get(i)[0];
                tokens += counts.get(i)[1];
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("tokens/s: %.0f%n", tokens / elapsed);
            System.out.printf("sequences/s: %.2f%n", sequences / elapsed);
        }
    }
}
