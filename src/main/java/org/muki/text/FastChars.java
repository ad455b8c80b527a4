package org.muki.text;

/**
 * The character classes of Hugging Face's Rust tokenizers library (BertNormalizer and
 * BertPreTokenizer, version 0.13), as measured code point by code point against that library
 * (tools/tokenizer_json_reference.js; the measurement is src/test/resources/tokenizer/fast-census.tsv.gz,
 * which FastCharsTest checks every code point against).
 *
 * <p>That library classifies control characters, combining marks and punctuation with tables of
 * Unicode 8.0, lower-cases with Unicode 14.0, and Java 17 knows Unicode 13.0. So the classes
 * below are Java's categories with the measured exceptions: unassigned code points (Java's Cn,
 * noncharacters included) are kept; the format characters, combining marks and punctuation
 * that Unicode added after 8.0 are not format, marks or punctuation there; two characters that
 * were punctuation in 8.0 still split words; 41 capitals new in Unicode 14.0 lower-case there.
 */
final class FastChars {
    private FastChars() {}

    /** Format characters (Java's Cf) added after Unicode 8.0: kept by clean_text. */
    private static final int[] NEW_FORMAT = {0x08E2, 0x08E2, 0x110CD, 0x110CD, 0x13430, 0x13438};

    /** Combining marks (Java's Mn) added after Unicode 8.0 (or Mn only since): not stripped as accents. */
    private static final int[] NEW_MARKS = {
        0x07FD, 0x07FD, 0x08D3, 0x08E1, 0x09FE, 0x09FE, 0x0AFA, 0x0AFF, 0x0B55, 0x0B55, 0x0C04, 0x0C04, 0x0D00, 0x0D00,
        0x0D3B, 0x0D3C, 0x0D81, 0x0D81, 0x0EBA, 0x0EBA, 0x1885, 0x1886, 0x1ABF, 0x1AC0, 0x1DF6, 0x1DF9, 0x1DFB, 0x1DFB,
        0xA82C, 0xA82C, 0xA8C5, 0xA8C5, 0xA8FF, 0xA8FF, 0xA9BD, 0xA9BD, 0x10D24, 0x10D27, 0x10EAB, 0x10EAC, 0x10F46, 0x10F50,
        0x111C9, 0x111C9, 0x111CF, 0x111CF, 0x1123E, 0x1123E, 0x1133B, 0x1133B, 0x11438, 0x1143F, 0x11442, 0x11444,
        0x11446, 0x11446, 0x1145E, 0x1145E, 0x1182F, 0x11837, 0x11839, 0x1183A, 0x1193B, 0x1193C, 0x1193E, 0x1193E,
        0x11943, 0x11943, 0x119D4, 0x119D7, 0x119DA, 0x119DB, 0x119E0, 0x119E0, 0x11A01, 0x11A0A, 0x11A33, 0x11A38,
        0x11A3B, 0x11A3E, 0x11A47, 0x11A47, 0x11A51, 0x11A56, 0x11A59, 0x11A5B, 0x11A8A, 0x11A96, 0x11A98, 0x11A99,
        0x11C30, 0x11C36, 0x11C38, 0x11C3D, 0x11C3F, 0x11C3F, 0x11C92, 0x11CA7, 0x11CAA, 0x11CB0, 0x11CB2, 0x11CB3,
        0x11CB5, 0x11CB6, 0x11D31, 0x11D36, 0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45, 0x11D47, 0x11D47,
        0x11D90, 0x11D91, 0x11D95, 0x11D95, 0x11D97, 0x11D97, 0x11EF3, 0x11EF4, 0x16F4F, 0x16F4F, 0x16FE4, 0x16FE4,
        0x1E000, 0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E02A, 0x1E130, 0x1E136,
        0x1E2EC, 0x1E2EF, 0x1E944, 0x1E94A};

    /** Punctuation (Java's P*) added after Unicode 8.0: stays inside words. */
    private static final int[] NEW_PUNCTUATION = {
        0x09FD, 0x09FD, 0x0A76, 0x0A76, 0x0C77, 0x0C77, 0x0C84, 0x0C84, 0x2E43, 0x2E4F, 0x2E52, 0x2E52, 0x10EAD, 0x10EAD,
        0x10F55, 0x10F59, 0x1144B, 0x1144F, 0x1145A, 0x1145B, 0x1145D, 0x1145D, 0x11660, 0x1166C, 0x1183B, 0x1183B,
        0x11944, 0x11946, 0x119E2, 0x119E2, 0x11A3F, 0x11A46, 0x11A9A, 0x11A9C, 0x11A9E, 0x11AA2, 0x11C41, 0x11C45,
        0x11C70, 0x11C71, 0x11EF7, 0x11EF8, 0x11FFF, 0x11FFF, 0x16E97, 0x16E9A, 0x16FE2, 0x16FE2, 0x1E95E, 0x1E95F};

    /** Punctuation in Unicode 8.0 that Java 17 no longer calls punctuation: still splits words. */
    private static final int[] OLD_PUNCTUATION = {0x166D, 0x166D, 0x111C9, 0x111C9};

    /** CJK ideographs padded with spaces; the library's own ranges (2B820-2B91F is not among them). */
    private static final int[] CJK = {0x3400, 0x4DBF, 0x4E00, 0x9FFF, 0xF900, 0xFAFF, 0x20000, 0x2A6DF, 0x2A700, 0x2B81F,
        0x2B920, 0x2CEAF, 0x2F800, 0x2FA1F};

    private static boolean in(int[] ranges, int cp) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (cp < ranges[i]) return false;
            if (cp <= ranges[i + 1]) return true;
        }
        return false;
    }

    /** Removed by clean_text (besides U+0000 and U+FFFD): controls but tab and line breaks, format, private use. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        if (t == Character.FORMAT) return !in(NEW_FORMAT, cp);
        return t == Character.CONTROL || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    /** Turned into a space by clean_text: tab, line breaks and Java's space characters (Zs, Zl, Zp). */
    static boolean isCleanedToSpace(int cp) {
        return cp == '\t' || cp == '\n' || cp == '\r' || Character.isSpaceChar(cp);
    }

    /** Where the pre-tokenizer splits words (after clean_text, only these remain). */
    static boolean isSplitSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || Character.isSpaceChar(cp);
    }

    /** Words split around these: ASCII punctuation and symbols, and Unicode 8.0's punctuation. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
        if (in(OLD_PUNCTUATION, cp)) return true;
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> !in(NEW_PUNCTUATION, cp);
            default -> false;
        };
    }

    static boolean isChinese(int cp) {
        return in(CJK, cp);
    }

    /** A combining mark that strip_accents removes after NFD. */
    static boolean isAccent(int cp) {
        return Character.getType(cp) == Character.NON_SPACING_MARK && !in(NEW_MARKS, cp);
    }

    /** U+11938, whose canonical decomposition Unicode 13.0 added and the library does not apply. */
    private static final String UNDECOMPOSED = new String(Character.toChars(0x11938));

    /** Canonical decomposition as the library applies it (Java's NFD but U+11938, a starter, kept whole). */
    static String nfd(String s) {
        if (!s.contains(UNDECOMPOSED)) return java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(s.length());
        int from = 0, at;
        while ((at = s.indexOf(UNDECOMPOSED, from)) >= 0) {
            out.append(java.text.Normalizer.normalize(s.substring(from, at), java.text.Normalizer.Form.NFD)).append(UNDECOMPOSED);
            from = at + UNDECOMPOSED.length();
        }
        return out.append(java.text.Normalizer.normalize(s.substring(from), java.text.Normalizer.Form.NFD)).toString();
    }

    /** Lower case code point by code point, full mappings, no context (a capital sigma is always 'σ'). */
    static String lowerCase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp < 0x80) {
                out.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
            } else {
                int extra = unicode14Lower(cp);
                if (extra >= 0) out.appendCodePoint(extra);
                else out.append(new String(Character.toChars(cp)).toLowerCase(java.util.Locale.ROOT));
            }
        });
        return out.toString();
    }

    /** The lower case of a capital new in Unicode 14.0 (which Java 17 does not know), or -1. */
    private static int unicode14Lower(int cp) {
        switch (cp) {
            case 0x2C2F: return 0x2C5F;
            case 0xA7C0: return 0xA7C1;
            case 0xA7D0: return 0xA7D1;
            case 0xA7D6: return 0xA7D7;
            case 0xA7D8: return 0xA7D9;
            default: break;
        }
        // Vithkuqi capitals 10570-10595 (with gaps at 1057B, 1058B, 10593) map 0x27 up.
        if (cp >= 0x10570 && cp <= 0x10595 && cp != 0x1057B && cp != 0x1058B && cp != 0x10593) return cp + 0x27;
        return -1;
    }
}
