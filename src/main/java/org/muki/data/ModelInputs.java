package org.muki.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.muki.MukiException;
import org.muki.io.JsonLines;
import org.muki.model.Batch;
import org.muki.text.WordPieceTokenizer;

/**
 * The input lines of predict and embed, tokenized: each line is {"text", "text_pair"?} (needs the
 * model's tokenizer) or pre-tokenized {"input_ids", "attention_mask"?, "token_type_ids"?}.
 * Every malformed line is refused naming the file and line.
 *
 * @param ids   per line, its token ids
 * @param types per line, its token types
 * @param masks per line, its attention mask
 */
public record ModelInputs(int[][] ids, int[][] types, int[][] masks) {

    public int size() {
        return ids.length;
    }

    /**
     * @param tokenizer the model's tokenizer, or null when the model has none (then text lines
     *                  are refused with missingTokenizer)
     */
    public static ModelInputs read(List<JsonLines.Line> lines, String file, WordPieceTokenizer tokenizer, int maxLength,
                                   String missingTokenizer) {
        int n = lines.size();
        int[][] ids = new int[n][], types = new int[n][], masks = new int[n][];
        for (int i = 0; i < n; i++) parse(lines.get(i), file, tokenizer, maxLength, missingTokenizer, ids, types, masks, i);
        return new ModelInputs(ids, types, masks);
    }

    /** A padded batch of the lines at the given positions; dropout masks keyed by the line's index. */
    public Batch batch(int[] positions) {
        int[][] i = new int[positions.length][], t = new int[positions.length][], m = new int[positions.length][];
        for (int b = 0; b < positions.length; b++) {
            i[b] = ids[positions[b]];
            t[b] = types[positions[b]];
            m[b] = masks[positions[b]];
        }
        return Batch.pad(i, t, m, positions);
    }

    /** Lines [from, to) as a batch. */
    public Batch batch(int from, int to) {
        int[] positions = new int[to - from];
        for (int k = 0; k < positions.length; k++) positions[k] = from + k;
        return batch(positions);
    }

    private static void parse(JsonLines.Line line, String file, WordPieceTokenizer tokenizer, int maxLength, String missingTokenizer,
                              int[][] ids, int[][] types, int[][] masks, int i) {
        String where = file + ":" + line.number();
        JsonNode o = line.value();
        JsonNode text = o.get("text"), pair = o.get("text_pair"), inputIds = o.get("input_ids");
        if (text != null && inputIds != null) throw new MukiException(where + ": give either \"text\" or \"input_ids\", not both");
        if (text != null) {
            if (!text.isTextual()) throw new MukiException(where + ": \"text\" must be a string");
            if (pair != null && !pair.isNull() && !pair.isTextual()) throw new MukiException(where + ": \"text_pair\" must be a string");
            if (tokenizer == null) throw new MukiException(where + ": " + missingTokenizer);
            var enc = tokenizer.encode(text.asText(), pair == null || pair.isNull() ? null : pair.asText(), maxLength);
            ids[i] = enc.ids();
            types[i] = enc.typeIds();
            masks[i] = new int[ids[i].length];
            Arrays.fill(masks[i], 1);
            return;
        }
        if (inputIds == null) throw new MukiException(where + ": needs \"text\" or \"input_ids\"");
        ids[i] = intArray(inputIds, where, "input_ids", -1);
        if (ids[i].length == 0) throw new MukiException(where + ": \"input_ids\" is empty");
        if (ids[i].length > maxLength) {
            throw new MukiException(where + ": " + ids[i].length + " input_ids exceed the maximum length " + maxLength);
        }
        JsonNode t = o.get("token_type_ids"), m = o.get("attention_mask");
        types[i] = t == null ? new int[ids[i].length] : intArray(t, where, "token_type_ids", ids[i].length);
        if (m == null) {
            masks[i] = new int[ids[i].length];
            Arrays.fill(masks[i], 1);
        } else {
            masks[i] = intArray(m, where, "attention_mask", ids[i].length);
            for (int v : masks[i]) if (v != 0 && v != 1) throw new MukiException(where + ": \"attention_mask\" values must be 0 or 1");
        }
    }

    private static int[] intArray(JsonNode node, String where, String field, int expectedLength) {
        if (!node.isArray()) throw new MukiException(where + ": \"" + field + "\" must be an array of integers");
        if (expectedLength >= 0 && node.size() != expectedLength) {
            throw new MukiException(where + ": \"" + field + "\" has " + node.size() + " values, input_ids has " + expectedLength);
        }
        List<Integer> vals = new ArrayList<>();
        for (JsonNode v : node) {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new MukiException(where + ": \"" + field + "\" holds a non-integer " + v);
            vals.add(v.asInt());
        }
        return vals.stream().mapToInt(Integer::intValue).toArray();
    }
}
