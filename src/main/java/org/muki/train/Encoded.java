package org.muki.train;

import java.util.List;

import org.muki.data.Example;
import org.muki.model.Batch;
import org.muki.text.WordPieceTokenizer;

/**
 * A tokenized example: its key (index in its dataset, which keys its dropout masks), token ids
 * and types, and its label index (-1 when unlabelled).
 */
public record Encoded(int key, int[] ids, int[] types, int label, boolean truncated) {

    /** How many of the encoded texts lost word pieces to the length limit. */
    public static int truncatedCount(List<Encoded> data) {
        int n = 0;
        for (Encoded e : data) if (e.truncated()) n++;
        return n;
    }


    /** Tokenizes examples; labels map to their index in `labels` (-1 when absent or null). */
    public static List<Encoded> encode(List<Example> examples, WordPieceTokenizer tokenizer, int maxLength, List<String> labels) {
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < labels.size(); i++) index.put(labels.get(i), i);
        java.util.ArrayList<Encoded> out = new java.util.ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            var enc = tokenizer.encode(e.text(), e.textPair(), maxLength);
            out.add(new Encoded(i, enc.ids(), enc.typeIds(), e.label() == null ? -1 : index.getOrDefault(e.label(), -1), enc.truncated()));
        }
        return out;
    }

    /** A padded batch of the examples at the given positions. */
    public static Batch batch(List<Encoded> data, int[] positions) {
        int[][] ids = new int[positions.length][], types = new int[positions.length][], masks = new int[positions.length][];
        int[] keys = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            Encoded e = data.get(positions[i]);
            ids[i] = e.ids;
            types[i] = e.types;
            masks[i] = new int[e.ids.length];
            java.util.Arrays.fill(masks[i], 1);
            keys[i] = e.key;
        }
        return Batch.pad(ids, types, masks, keys);
    }
}
