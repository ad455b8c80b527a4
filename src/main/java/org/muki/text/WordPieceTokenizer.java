package org.muki.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face's BERT tokenizer: basic tokenization (clean text, split CJK characters,
 * whitespace split, lower-case and strip accents when uncased, split punctuation), then greedy
 * longest-match-first WordPiece with "##" continuations; a word over 100 characters or with no
 * match becomes [UNK]. Special tokens written literally in the text stay whole. Two flavours
 * ({@link TokenizerOptions.Flavor}): transformers' Python BertTokenizer, for directories with a
 * vocab.txt, and the Rust tokenizers library that runs a tokenizer.json.
 */
public final class WordPieceTokenizer {
    public static final String CLS = "[CLS]", SEP = "[SEP]", UNK = "[UNK]", PAD = "[PAD]", MASK = "[MASK]";

    /** Tokens with their ids and segment (token type) ids, [CLS] and [SEP] included. */
    /** truncated: word pieces were dropped to fit maxLength. */
    public record Encoding(List<String> tokens, int[] ids, int[] typeIds, boolean truncated) {}

    private final Vocab vocab;
    private final TokenizerOptions o;
    private final boolean fast;
    /** The first characters of the special tokens: where a literal special token may start. */
    private final String specialStarts;

    /** BERT's tokenizer for a vocab.txt, as transformers' BertTokenizer runs it. */
    public WordPieceTokenizer(Vocab vocab, boolean lowerCase) {
        this(vocab, TokenizerOptions.bert(lowerCase));
    }

    public WordPieceTokenizer(Vocab vocab, TokenizerOptions options) {
        // Refuse at load time a vocabulary that would fail on the first sentence.
        for (String special : List.of(options.cls(), options.sep(), options.unk())) vocab.required(special);
        this.vocab = vocab;
        this.o = options;
        this.fast = options.flavor() == TokenizerOptions.Flavor.FAST;
        StringBuilder starts = new StringBuilder();
        for (String special : options.specials()) if (!special.isEmpty()) starts.append(special.charAt(0));
        this.specialStarts = starts.toString();
    }

    public Vocab vocab() {
        return vocab;
    }

    public TokenizerOptions options() {
        return o;
    }

    /** Word pieces of a text, without [CLS]/[SEP]. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String part : splitOnSpecial(text)) {
            if (o.specials().contains(part)) {
                out.add(part);
                continue;
            }
            for (String word : basicTokenize(part)) wordPiece(word, out);
        }
        return out;
    }

    /** Splits around literal special tokens, which the basic tokenizer must not break up. */
    private List<String> splitOnSpecial(String text) {
        List<String> parts = new ArrayList<>();
        int start = 0, i = 0;
        outer:
        while (i < text.length()) {
            if (specialStarts.indexOf(text.charAt(i)) >= 0) {
                for (String s : o.specials()) {
                    if (text.startsWith(s, i)) {
                        if (i > start) parts.add(text.substring(start, i));
                        parts.add(s);
                        i += s.length();
                        start = i;
                        continue outer;
                    }
                }
            }
            i++;
        }
        if (start < text.length()) parts.add(text.substring(start));
        return parts;
    }

    List<String> basicTokenize(String text) {
        StringBuilder cleaned = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (o.cleanText() && (cp == 0 || cp == 0xFFFD || (fast ? FastChars.isControl(cp) : isControl(cp)))) return;
            if (o.cleanText() && (fast ? FastChars.isCleanedToSpace(cp) : isWhitespace(cp))) {
                cleaned.append(' ');
            } else if (o.chineseChars() && (fast ? FastChars.isChinese(cp) : isChinese(cp))) {
                cleaned.append(' ').appendCodePoint(cp).append(' ');
            } else {
                cleaned.appendCodePoint(cp);
            }
        });
        List<String> pieces = new ArrayList<>();
        if (fast) {
            // tokenizers' BertNormalizer: accents, then lower case code point by code point, on
            // the whole text; no NFC. Its BertPreTokenizer then splits on whitespace and punctuation.
            String normalized = cleaned.toString();
            if (o.stripAccents()) normalized = stripAccents(normalized, true);
            if (o.lowerCase()) normalized = FastChars.lowerCase(normalized);
            for (String token : splitWhitespace(normalized, true)) splitPunctuation(token, pieces, true);
            return pieces;
        }
        String normalized = Normalizer.normalize(cleaned, Normalizer.Form.NFC);
        for (String token : splitWhitespace(normalized, false)) {
            if (o.lowerCase()) token = token.toLowerCase(java.util.Locale.ROOT);
            if (o.stripAccents()) token = stripAccents(token, false);
            splitPunctuation(token, pieces, false);
        }
        return pieces;
    }

    private static String stripAccents(String s, boolean fast) {
        String nfd = fast ? FastChars.nfd(s) : Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(nfd.length());
        nfd.codePoints().filter(cp -> fast ? !FastChars.isAccent(cp) : Character.getType(cp) != Character.NON_SPACING_MARK)
                .forEach(out::appendCodePoint);
        return out.toString();
    }

    private static void splitPunctuation(String token, List<String> out, boolean fast) {
        StringBuilder word = new StringBuilder();
        token.codePoints().forEach(cp -> {
            if (fast ? FastChars.isPunctuation(cp) : isPunctuation(cp)) {
                if (word.length() > 0) {
                    out.add(word.toString());
                    word.setLength(0);
                }
                out.add(new String(Character.toChars(cp)));
            } else {
                word.appendCodePoint(cp);
            }
        });
        if (word.length() > 0) out.add(word.toString());
    }

    private void wordPiece(String word, List<String> out) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > o.maxCharsPerWord()) {
            out.add(o.unk());
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            int end = cps.length;
            String match = null;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                if (start > 0) sub = o.prefix() + sub;
                if (vocab.contains(sub)) {
                    match = sub;
                    break;
                }
                end--;
            }
            if (match == null) {
                out.add(o.unk());
                return;
            }
            pieces.add(match);
            start = end;
        }
        out.addAll(pieces);
    }

    /**
     * [CLS] text [SEP] (pair [SEP]) with token types 0 then 1, truncated to maxLength by
     * removing the last piece of the longer text first (Hugging Face's longest_first).
     */
    public Encoding encode(String text, String pair, int maxLength) {
        List<String> a = tokenize(text);
        List<String> b = pair == null ? null : tokenize(pair);
        int special = b == null ? 2 : 3;
        if (maxLength < special) throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for text");
        boolean truncated = a.size() + (b == null ? 0 : b.size()) + special > maxLength;
        if (truncated && fast && b != null) {
            // tokenizers' longest_first for pairs: the shorter text keeps what it can up to half the
            // budget, the longer one the rest (ties: the second text counts as the longer).
            int budget = maxLength - special;
            boolean firstShorter = a.size() <= b.size();
            int s = Math.min(a.size(), b.size());
            int sKeep = s, lKeep = s > budget ? s : Math.max(s, budget - s);
            if (sKeep + lKeep > budget) {
                sKeep = budget / 2;
                lKeep = sKeep + budget % 2;
            }
            a = new ArrayList<>(a.subList(0, Math.min(a.size(), firstShorter ? sKeep : lKeep)));
            b = new ArrayList<>(b.subList(0, Math.min(b.size(), firstShorter ? lKeep : sKeep)));
        }
        while (a.size() + (b == null ? 0 : b.size()) + special > maxLength) {
            // transformers' longest_first: one piece at a time from the longer text (ties: the second).
            if (b == null || a.size() > b.size()) a.remove(a.size() - 1);
            else b.remove(b.size() - 1);
        }
        List<String> tokens = new ArrayList<>();
        tokens.add(o.cls());
        tokens.addAll(a);
        tokens.add(o.sep());
        int firstSegment = tokens.size();
        if (b != null) {
            tokens.addAll(b);
            tokens.add(o.sep());
        }
        int[] ids = new int[tokens.size()], types = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocab.required(tokens.get(i));
            types[i] = i < firstSegment ? 0 : 1;
        }
        return new Encoding(tokens, ids, types, truncated);
    }

    /** Python's str.split() (on every character str.isspace() accepts), or the fast tokenizer's whitespace split. */
    private static List<String> splitWhitespace(String s, boolean fast) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (fast ? FastChars.isSplitSpace(cp) : isPythonSpace(cp)) {
                if (cur.length() > 0) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.appendCodePoint(cp);
            }
        });
        if (cur.length() > 0) out.add(cur.toString());
        return out;
    }

    static boolean isPythonSpace(int cp) {
        return (cp >= 9 && cp <= 13) || (cp >= 28 && cp <= 32) || cp == 0x85 || cp == 0x2028 || cp == 0x2029
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
