package org.muki.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.muki.io.Json;

/**
 * The tokenizer on the real bert-base-uncased vocabulary (fetched by tools/fetch_bert_vocab.sh,
 * checksum-pinned) against Hugging Face's own tokenizers library: expected tokens, ids and
 * token types of tricky inputs (accents, CJK, emoji, control and zero-width characters, words
 * over 100 characters, literal special tokens, pairs and truncation), made by
 * tools/tokenizer_reference.js and committed.
 */
class WordPieceTokenizerTest {
    static final Path VOCAB = Path.of(".cache/bert-base-uncased/vocab.txt");
    static Vocab vocab;

    @BeforeAll
    static void loadVocab() {
        assertTrue(Files.isRegularFile(VOCAB), VOCAB + " is missing: run tools/fetch_bert_vocab.sh (the README's test command does)");
        vocab = Vocab.load(VOCAB);
    }

    @Test
    void realVocabularyHasTheKnownLayout() {
        assertEquals(30522, vocab.size());
        assertEquals(0, vocab.id("[PAD]"));
        assertEquals(1, vocab.id("[unused0]"));
        assertEquals(100, vocab.id("[UNK]"));
        assertEquals(101, vocab.id("[CLS]"));
        assertEquals(102, vocab.id("[SEP]"));
        assertEquals(103, vocab.id("[MASK]"));
        assertEquals(1996, vocab.id("the"));
        assertEquals(2015, vocab.id("##s"));
    }

    @Test
    void matchesHuggingFaceOnTrickyInputs() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/tokenizer/bert-base-uncased-expected.jsonl"));
        assertTrue(lines.size() >= 20, "fixture has " + lines.size() + " cases");
        List<String> failures = new ArrayList<>();
        for (String line : lines) {
            JsonNode c = Json.parse(line, "expected");
            String text = c.get("text").asText();
            String pair = c.has("text_pair") ? c.get("text_pair").asText() : null;
            int max = c.has("max_length") ? c.get("max_length").asInt() : 512;
            for (String mode : new String[] {"uncased", "cased"}) {
                var enc = new WordPieceTokenizer(vocab, mode.equals("uncased")).encode(text, pair, max);
                JsonNode e = c.get(mode);
                List<String> tokens = new ArrayList<>();
                e.get("tokens").forEach(t -> tokens.add(t.asText()));
                int[] ids = new int[e.get("input_ids").size()], types = new int[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = e.get("input_ids").get(i).asInt();
                    types[i] = e.get("token_type_ids").get(i).asInt();
                }
                if (!tokens.equals(enc.tokens()) || !java.util.Arrays.equals(ids, enc.ids())
                        || !java.util.Arrays.equals(types, enc.typeIds())) {
                    failures.add(mode + " " + Json.MAPPER.valueToTree(text) + ": expected " + tokens + " got " + enc.tokens());
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void wordPieceOnAHandMadeVocabulary() {
        // The example of Hugging Face's documentation, on its small vocabulary.
        Vocab small = new Vocab(null, List.of("[UNK]", "[CLS]", "[SEP]", "want", "##want", "##ed", "wa", "un", "runn", "##ing", ","));
        WordPieceTokenizer tok = new WordPieceTokenizer(small, true);
        assertEquals(List.of("un", "##want", "##ed", ",", "runn", "##ing"), tok.tokenize("UNwant\u00E9d,running"));
        assertEquals(List.of("[UNK]"), tok.tokenize("unwantedX"));
        var enc = tok.encode("want", "running", 16);
        assertArrayEquals(new int[] {1, 3, 2, 8, 9, 2}, enc.ids());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, enc.typeIds());
    }
}
