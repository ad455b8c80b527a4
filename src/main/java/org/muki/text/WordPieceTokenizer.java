package org.muki.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face's BertTokenizer: basic tokenization (clean text, split CJK characters, NFC,
 * whitespace split, lower-case and strip accents when uncased, split punctuation), then greedy
 * longest-match-first WordPiece with "##" continuations; a word over 100 characters or with no
 * match becomes [UNK]. Special tokens written literally in the text stay whole.
 */
public final class WordPieceTokenizer {
    public static final String CLS = "[CLS]", SEP = "[SEP]", UNK = "[UNK]", PAD = "[PAD]", MASK = "[MASK]";
    private static final List<String> SPECIAL = List.of(CLS, SEP, UNK, PAD, MASK);
    private static final int MAX_WORD_CHARS = 100;

    /** Tokens with their ids and segment (token type) ids, [CLS] and [SEP] included. */
    /** truncated: word pieces were dropped to fit maxLength. */
    public record Encoding(List<String> tokens, int[] ids, int[] typeIds, boolean truncated) {}

    private final Vocab vocab;
    private final boolean lowerCase;

    public WordPieceTokenizer(Vocab vocab, boolean lowerCase) {
        // Refuse at load time a vocabulary that would fail on the first sentence.
        for (String special : List.of(CLS, SEP, UNK)) vocab.required(special);
        this.vocab = vocab;
        this.lowerCase = lowerCase;
    }

    public Vocab vocab() {
        return vocab;
    }

    /** Word pieces of a text, without [CLS]/[SEP]. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String part : splitOnSpecial(text)) {
            if (SPECIAL.contains(part)) {
                out.add(part);
                continue;
            }
            for (String word : basicTokenize(part)) wordPiece(word, out);
        }
        return out;
    }

    /** Splits around literal special tokens, which the basic tokenizer must not break up. */
    private static List<String> splitOnSpecial(String text) {
        List<String> parts = new ArrayList<>();
        int start = 0, i = 0;
        outer:
        while (i < text.length()) {
            if (text.charAt(i) == '[') {
                for (String s : SPECIAL) {
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
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) return;
            if (isWhitespace(cp)) {
                cleaned.append(' ');
            } else if (isChinese(cp)) {
                cleaned.append(' ').appendCodePoint(cp).append(' ');
            } else {
                cleaned.appendCodePoint(cp);
            }
        });
        String normalized = Normalizer.normalize(cleaned, Normalizer.Form.NFC);
        List<String> pieces = new ArrayList<>();
        for (String token : splitWhitespace(normalized)) {
            if (lowerCase) token = stripAccents(token.toLowerCase(java.util.Locale.ROOT));
            splitPunctuation(token, pieces);
        }
        return pieces;
    }

    private static String stripAccents(String s) {
        String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(nfd.length());
        nfd.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK).forEach(out::appendCodePoint);
        return out.toString();
    }

    private static void splitPunctuation(String token, List<String> out) {
        StringBuilder word = new StringBuilder();
        token.codePoints().forEach(cp -> {
            if (isPunctuation(cp)) {
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
        if (cps.length > MAX_WORD_CHARS) {
            out.add(UNK);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            int end = cps.length;
            String match = null;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                if (start > 0) sub = "##" + sub;
                if (vocab.contains(sub)) {
                    match = sub;
                    break;
                }
                end--;
            }
            if (match == null) {
                out.add(UNK);
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
        while (a.size() + (b == null ? 0 : b.size()) + special > maxLength) {
            if (b == null || a.size() > b.size()) a.remove(a.size() - 1);
            else b.remove(b.size() - 1);
        }
        List<String> tokens = new ArrayList<>();
        tokens.add(CLS);
        tokens.addAll(a);
        tokens.add(SEP);
        int firstSegment = tokens.size();
        if (b != null) {
            tokens.addAll(b);
            tokens.add(SEP);
        }
        int[] ids = new int[tokens.size()], types = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocab.required(tokens.get(i));
            types[i] = i < firstSegment ? 0 : 1;
        }
        return new Encoding(tokens, ids, types, truncated);
    }

    /** Python's str.split(): on every character that str.isspace() accepts. */
    private static List<String> splitWhitespace(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (isPythonSpace(cp)) {
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
