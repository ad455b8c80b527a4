package org.muki.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.muki.TestSupport;
import org.muki.text.Vocab;
import org.muki.text.WordPieceTokenizer;

/**
 * The WordPiece tokenizer on arbitrary text (bytes decoded leniently, as a reader would):
 * it never throws, every id is in the vocabulary, the encoding starts with [CLS], ends with
 * [SEP], fits max_length, and its type ids mark the pair.
 */
class TokenizerFuzzTest {
    private static final Vocab VOCAB = Vocab.load(TestSupport.fixture("odd-f32").resolve("vocab.txt"));
    private static final WordPieceTokenizer UNCASED = new WordPieceTokenizer(VOCAB, true);
    private static final WordPieceTokenizer CASED = new WordPieceTokenizer(VOCAB, false);

    @FuzzTest(maxDuration = "30s")
    void encodingStaysInVocabularyAndLength(byte[] input) {
        if (input.length < 2) return;
        WordPieceTokenizer tok = (input[0] & 1) == 0 ? UNCASED : CASED;
        int maxLength = 3 + (input[1] & 0x3F);
        String all = new String(input, 2, input.length - 2, StandardCharsets.UTF_8);
        int split = all.indexOf('|');
        String text = split < 0 ? all : all.substring(0, split), pair = split < 0 ? null : all.substring(split + 1);
        WordPieceTokenizer.Encoding e = tok.encode(text, pair, maxLength);
        int n = e.ids().length;
        assertTrue(n >= 2 && n <= maxLength, "length " + n + " for max_length " + maxLength);
        assertEquals(n, e.typeIds().length);
        assertEquals(n, e.tokens().size());
        assertEquals(VOCAB.id(WordPieceTokenizer.CLS), e.ids()[0]);
        assertEquals(VOCAB.id(WordPieceTokenizer.SEP), e.ids()[n - 1]);
        for (int i = 0; i < n; i++) {
            assertTrue(e.ids()[i] >= 0 && e.ids()[i] < VOCAB.size(), "id " + e.ids()[i] + " outside the vocabulary");
            assertEquals(VOCAB.token(e.ids()[i]), e.tokens().get(i));
            assertTrue(e.typeIds()[i] == 0 || (pair != null && e.typeIds()[i] == 1), "type id " + e.typeIds()[i]);
        }
    }
}
