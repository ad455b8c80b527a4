package org.muki.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.MukiException;
import org.muki.RealTexts;
import org.muki.io.Json;

/**
 * The tokenizer.json flavour against Hugging Face's Rust tokenizers library on all-MiniLM-L6-v2's
 * tokenizer.json (from the model's Maven artifact, a test dependency): the 24 tricky inputs of
 * the vocab.txt tests, 31 inputs where the Rust library differs from the Python tokenizer (final
 * sigma, noncharacters, Hangul, pair truncation...), and 250 real texts (WordNet glosses, 5 to
 * 512 word pieces). Expected outputs made by tools/tokenizer_json_reference.js and committed.
 */
class TokenizerJsonTest {
    static TokenizerJson minilm;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        Path file = Files.createTempFile("minilm-tokenizer", ".json");
        try (InputStream in = TokenizerJsonTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            assertTrue(in != null, "the all-MiniLM-L6-v2 jar is not on the test classpath");
            Files.write(file, in.readAllBytes());
            minilm = TokenizerJson.read(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void readsMiniLmsTokenizer() {
        TokenizerOptions o = minilm.options();
        assertEquals(30522, minilm.vocab().size());
        assertEquals(TokenizerOptions.Flavor.FAST, o.flavor());
        assertTrue(o.lowerCase() && o.stripAccents() && o.cleanText() && o.chineseChars());
        assertEquals(List.of("[CLS]", "[SEP]", "[UNK]", "##", 100), List.of(o.cls(), o.sep(), o.unk(), o.prefix(), o.maxCharsPerWord()));
        assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"), o.specials());
        assertEquals(128, minilm.truncation());
    }

    @Test
    void matchesTheRustLibraryOnTrickyInputs() throws IOException {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (String file : new String[] {"minilm-tricky-expected.jsonl", "minilm-fast-expected.jsonl"}) {
            for (String line : Files.readAllLines(Path.of("src/test/resources/tokenizer", file))) {
                JsonNode c = Json.parse(line, file);
                String text = c.get("text").asText(), pair = c.has("text_pair") ? c.get("text_pair").asText() : null;
                var enc = new WordPieceTokenizer(minilm.vocab(), minilm.options()).encode(text, pair,
                        c.has("max_length") ? c.get("max_length").asInt() : 512);
                List<String> tokens = new ArrayList<>();
                c.get("tokens").forEach(t -> tokens.add(t.asText()));
                if (!tokens.equals(enc.tokens()) || !Arrays.equals(ints(c.get("token_type_ids")), enc.typeIds())
                        || !Arrays.equals(ints(c.get("input_ids")), enc.ids())) {
                    failures.add(file + " " + Json.MAPPER.valueToTree(text) + (pair == null ? "" : " / " + pair) + ": expected " + tokens
                            + " " + c.get("token_type_ids") + ", got " + enc.tokens() + " " + Arrays.toString(enc.typeIds()));
                }
                cases++;
            }
        }
        assertEquals(55, cases);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void matchesTheRustLibraryOnRealTexts() throws IOException {
        Map<String, int[]> expected = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("src/test/resources/tokenizer/minilm-wordnet-expected.jsonl"))) {
            JsonNode c = Json.parse(line, "minilm-wordnet-expected.jsonl");
            expected.put(c.get("key").asText(), ints(c.get("input_ids")));
        }
        WordPieceTokenizer tok = new WordPieceTokenizer(minilm.vocab(), minilm.options());
        List<String> failures = new ArrayList<>();
        List<RealTexts.Text> texts = RealTexts.wordNet();
        assertEquals(250, texts.size());
        for (RealTexts.Text t : texts) {
            int[] want = expected.get(t.key());
            assertTrue(want != null, "no expected ids for " + t.key());
            int[] got = tok.encode(t.text(), null, 512).ids();
            if (!Arrays.equals(want, got)) failures.add(t.key() + ": expected " + Arrays.toString(want) + ", got " + Arrays.toString(got));
        }
        assertTrue(failures.isEmpty(), failures.size() + " texts differ:\n" + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
    }

    @Test
    void refusesWhatIsNotABertTokenizer() throws IOException {
        ObjectNode base = (ObjectNode) Json.parse(Files.readString(write("base.json", minimal())), "base");
        assertRefused(with(base, "model", o -> o.put("type", "BPE")), "model.type 'BPE' is not WordPiece");
        assertRefused(with(base, "normalizer", o -> o.put("type", "NFKC")), "normalizer.type 'NFKC' is not supported");
        assertRefused(with(base, "pre_tokenizer", o -> o.put("type", "Whitespace")), "pre_tokenizer.type 'Whitespace'");
        assertRefused(with(base, "normalizer", o -> o.put("lowercase", "yes")), "normalizer.lowercase must be true or false");
        assertRefused(with(base, "model", o -> ((ObjectNode) o.get("vocab")).put("[MASK]", 2)), "gives id 2 to");
        assertRefused(with(base, "model", o -> ((ObjectNode) o.get("vocab")).put("[MASK]", 9)), "is not an id in 0..5");
        assertRefused(with(base, "model", o -> o.put("unk_token", "<unk>")), "model.unk_token '<unk>' is not in model.vocab");
        assertRefused(with(base, "post_processor", o -> o.put("type", "RobertaProcessing")), "post_processor.type 'RobertaProcessing'");
        assertRefused(with(base, "post_processor", o -> ((ObjectNode) o.get("pair").get(3).get("Sequence")).put("type_id", 0)),
                "post_processor.pair");
        ObjectNode noModel = base.deepCopy();
        noModel.remove("model");
        assertRefused(noModel, "model: missing");
        Path garbage = write("garbage.json", "{\"model\": ");
        MukiException e = assertThrows(MukiException.class, () -> TokenizerJson.read(garbage));
        assertTrue(e.getMessage().startsWith(garbage.toString() + ": malformed JSON"), e.getMessage());
        // The minimal file itself is accepted.
        assertEquals(5, TokenizerJson.read(write("ok.json", base.toString())).vocab().size());
    }

    private static String minimal() {
        return """
                {"version": "1.0", "added_tokens": [{"id": 0, "content": "[PAD]"}, {"id": 1, "content": "[UNK]"}],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                   "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                            {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}]},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                           "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4}}}""";
    }

    private ObjectNode with(ObjectNode base, String field, java.util.function.Consumer<ObjectNode> change) {
        ObjectNode copy = base.deepCopy();
        change.accept((ObjectNode) copy.get(field));
        return copy;
    }

    private void assertRefused(ObjectNode json, String fragment) throws IOException {
        Path f = write("bad.json", json.toString());
        MukiException e = assertThrows(MukiException.class, () -> TokenizerJson.read(f), fragment);
        assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains(fragment), e.getMessage());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
        return v;
    }
}
