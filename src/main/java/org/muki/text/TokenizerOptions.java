package org.muki.text;

import java.util.List;

/**
 * How {@link WordPieceTokenizer} turns text into word pieces.
 *
 * @param flavor          whose rules the cleaning and lower-casing follow: Hugging Face's Python
 *                        BertTokenizer (vocab.txt directories) or its Rust tokenizers library
 *                        (tokenizer.json); they differ on a few characters, see {@link Flavor}
 * @param lowerCase       lower-case the text
 * @param stripAccents    drop combining marks after canonical decomposition
 * @param cleanText       drop control characters and turn whitespace into spaces
 * @param chineseChars    put spaces around CJK ideographs (each becomes a word)
 * @param unk             the unknown-word token
 * @param cls             the token that opens an encoding
 * @param sep             the token that closes each segment
 * @param prefix          the mark of a word piece that continues a word ("##")
 * @param maxCharsPerWord longer words become {@code unk} whole
 * @param specials        tokens kept whole where they appear literally in the text
 */
public record TokenizerOptions(Flavor flavor, boolean lowerCase, boolean stripAccents, boolean cleanText, boolean chineseChars,
                               String unk, String cls, String sep, String prefix, int maxCharsPerWord, List<String> specials) {

    /** The two reference implementations this tokenizer reproduces. */
    public enum Flavor {
        /**
         * transformers' BertTokenizer: NFC after cleaning, Python's str.lower() (a capital sigma
         * at a word's end becomes the final form), every unassigned code point removed.
         */
        PYTHON,
        /**
         * tokenizers' BertNormalizer and BertPreTokenizer: no NFC, lower-casing code point by
         * code point (capital sigma always becomes 'σ'), and the character tables of that
         * library's Unicode version (noncharacters such as U+FFFF are kept, so they become unk).
         */
        FAST
    }

    public TokenizerOptions {
        specials = List.copyOf(specials);
        if (maxCharsPerWord < 1) throw new IllegalArgumentException("maxCharsPerWord must be positive");
    }

    /** BERT's vocab.txt tokenizer as transformers' BertTokenizer runs it. */
    public static TokenizerOptions bert(boolean lowerCase) {
        return new TokenizerOptions(Flavor.PYTHON, lowerCase, lowerCase, true, true, "[UNK]", "[CLS]", "[SEP]", "##", 100,
                List.of("[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]"));
    }
}
