package org.muki.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.muki.TestSupport;

/**
 * The tokenizer.json flavour against Hugging Face's Rust tokenizers library on every code point:
 * fast-census.tsv.gz records, for each code point X outside the surrogates, what that library's
 * uncased BertNormalizer and BertPreTokenizer make of "a" X "b" (X removed, turned into a space,
 * split off as its own word, or kept inside the word) and what X becomes (lower case, accents
 * stripped). Measured with the library itself (tokenizers 0.13.3 through its npm binding).
 */
class FastCharsTest {

    @Test
    void everyCodePointIsTreatedAsTheRustLibraryTreatsIt() throws IOException {
        Vocab vocab = new Vocab(null, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        TokenizerOptions uncased = new TokenizerOptions(TokenizerOptions.Flavor.FAST, true, true, true, true, "[UNK]", "[CLS]",
                "[SEP]", "##", 100, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        WordPieceTokenizer tok = new WordPieceTokenizer(vocab, uncased);
        List<String> failures = new ArrayList<>();
        int checked = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(TestSupport.resource("tokenizer/fast-census.tsv.gz"))), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#")) continue;
                String[] f = line.split("\t", -1);
                int first = Integer.parseInt(f[0], 16), last = Integer.parseInt(f[1], 16);
                String expectedClass = f[2].startsWith("SPLIT") ? "SPLIT" : f[2];
                for (int cp = first; cp <= last; cp++) {
                    String x = new String(Character.toChars(cp));
                    String expectedForm = f.length > 3 && !f[3].isEmpty() ? fromHex(f[3]) : x;
                    String got = classify(tok.basicTokenize("a" + x + "b"), x);
                    String want = expectedClass + (expectedClass.equals("KEPT") || expectedClass.equals("SPLIT") ? " " + hex(expectedForm) : "");
                    if (!got.equals(want) && failures.size() < 25) failures.add(String.format("U+%04X: expected %s, got %s", cp, want, got));
                    checked++;
                }
            }
        }
        assertEquals(0x110000 - 0x800, checked, "the census covers every code point but the surrogates");
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** What became of X in the words of "a" X "b". */
    private static String classify(List<String> words, String x) {
        if (words.equals(List.of("ab"))) return "REMOVED";
        if (words.equals(List.of("a", "b"))) return "SPACE";
        if (words.size() == 3 && words.get(0).equals("a") && words.get(2).equals("b")) return "SPLIT " + hex(words.get(1));
        if (words.size() == 1 && words.get(0).startsWith("a") && words.get(0).endsWith("b") && words.get(0).length() > 2) {
            return "KEPT " + hex(words.get(0).substring(1, words.get(0).length() - 1));
        }
        return "OTHER " + words;
    }

    private static String hex(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(b.length() > 0 ? " " : "").append(String.format("%04X", cp)));
        return b.toString();
    }

    private static String fromHex(String cps) {
        StringBuilder b = new StringBuilder();
        for (String h : cps.trim().split(" ")) b.appendCodePoint(Integer.parseInt(h, 16));
        return b.toString();
    }
}
