package org.muki.text;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.muki.MukiException;
import org.muki.io.Json;

/**
 * A Hugging Face fast-tokenizer file (tokenizer.json) of the BERT family: a WordPiece model with
 * its vocabulary, unknown token, continuation prefix and longest word; a BertNormalizer (clean
 * text, CJK, accents, lower case); a BertPreTokenizer; the [CLS] A [SEP] (B [SEP]) template
 * (TemplateProcessing or BertProcessing); the added tokens, kept whole in text. Anything else
 * (BPE or Unigram models, other normalizers or pre-tokenizers, other templates) is refused with
 * the field that says so.
 *
 * @param truncation the file's truncation length, or 0 when it asks for none
 */
public record TokenizerJson(Vocab vocab, TokenizerOptions options, int truncation) {

    public static TokenizerJson read(Path file) {
        JsonNode root = Json.read(file);
        if (!root.isObject()) throw new MukiException(file + ": not a JSON object");
        JsonNode model = root.path("model");
        if (!model.isObject()) throw new MukiException(file + ": model: missing (not a tokenizer.json)");
        String type = model.path("type").asText("");
        if (!type.equals("WordPiece")) {
            throw new MukiException(file + ": model.type '" + type + "' is not WordPiece (muki reads BERT-family tokenizers)");
        }
        Vocab vocab = vocab(file, model.path("vocab"));
        String unk = text(file, model, "unk_token", "model.unk_token", "[UNK]");
        if (!vocab.contains(unk)) throw new MukiException(file + ": model.unk_token '" + unk + "' is not in model.vocab");
        String prefix = text(file, model, "continuing_subword_prefix", "model.continuing_subword_prefix", "##");
        int maxChars = integer(file, model, "max_input_chars_per_word", "model.max_input_chars_per_word", 100);

        JsonNode norm = root.path("normalizer");
        boolean lower = false, strip = false, clean = false, chinese = false;
        if (!norm.isMissingNode() && !norm.isNull()) {
            String nt = norm.path("type").asText("");
            if (!nt.equals("BertNormalizer")) {
                throw new MukiException(file + ": normalizer.type '" + nt + "' is not supported (BertNormalizer only)");
            }
            lower = bool(file, norm, "lowercase", "normalizer.lowercase", true);
            clean = bool(file, norm, "clean_text", "normalizer.clean_text", true);
            chinese = bool(file, norm, "handle_chinese_chars", "normalizer.handle_chinese_chars", true);
            JsonNode sa = norm.get("strip_accents");
            strip = sa == null || sa.isNull() ? lower : bool(file, norm, "strip_accents", "normalizer.strip_accents", lower);
        }
        String pt = root.path("pre_tokenizer").path("type").asText("");
        if (!pt.equals("BertPreTokenizer")) {
            throw new MukiException(file + ": pre_tokenizer.type '" + pt + "' is not supported (BertPreTokenizer only)");
        }
        String[] clsSep = template(file, root.path("post_processor"));
        for (String t : clsSep) {
            if (!vocab.contains(t)) throw new MukiException(file + ": post_processor: special token '" + t + "' is not in model.vocab");
        }
        List<String> specials = new ArrayList<>();
        for (JsonNode a : root.path("added_tokens")) {
            String content = a.path("content").asText("");
            if (content.isEmpty()) throw new MukiException(file + ": added_tokens: an entry without content");
            specials.add(content);
        }
        int truncation = root.path("truncation").path("max_length").asInt(0);
        var options = new TokenizerOptions(TokenizerOptions.Flavor.FAST, lower, strip, clean, chinese, unk, clsSep[0], clsSep[1],
                prefix, maxChars, specials);
        return new TokenizerJson(vocab, options, truncation);
    }

    /** model.vocab: token -> id, every id from 0 to n - 1 exactly once. */
    private static Vocab vocab(Path file, JsonNode v) {
        if (!v.isObject() || v.isEmpty()) throw new MukiException(file + ": model.vocab: missing or empty");
        String[] tokens = new String[v.size()];
        var it = v.fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode id = e.getValue();
            if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0 || id.asInt() >= tokens.length) {
                throw new MukiException(file + ": model.vocab['" + e.getKey() + "'] = " + id + " is not an id in 0.." + (tokens.length - 1));
            }
            if (tokens[id.asInt()] != null) {
                throw new MukiException(file + ": model.vocab gives id " + id.asInt() + " to '" + tokens[id.asInt()] + "' and '" + e.getKey() + "'");
            }
            tokens[id.asInt()] = e.getKey();
        }
        return new Vocab(file, List.of(tokens));
    }

    /** [cls, sep] of a TemplateProcessing or BertProcessing post-processor of BERT's form. */
    private static String[] template(Path file, JsonNode p) {
        String type = p.path("type").asText("");
        if (type.equals("BertProcessing")) {
            JsonNode cls = p.path("cls"), sep = p.path("sep");
            if (!cls.isArray() || !sep.isArray() || !cls.path(0).isTextual() || !sep.path(0).isTextual()) {
                throw new MukiException(file + ": post_processor: BertProcessing needs cls and sep as [token, id]");
            }
            return new String[] {cls.get(0).asText(), sep.get(0).asText()};
        }
        if (!type.equals("TemplateProcessing")) {
            throw new MukiException(file + ": post_processor.type '" + type + "' is not supported (TemplateProcessing or BertProcessing "
                    + "of the form [CLS] A [SEP] B [SEP])");
        }
        List<String> single = pieces(p.path("single")), pair = pieces(p.path("pair"));
        // BERT's template: [CLS]:0 $A:0 [SEP]:0, and for pairs $B:1 [SEP]:1 after it.
        if (single.size() != 3 || !single.get(0).startsWith("S:") || !single.get(1).equals("A:0") || !single.get(2).startsWith("S:")
                || !single.get(0).endsWith(":0") || !single.get(2).endsWith(":0")) {
            throw new MukiException(file + ": post_processor.single " + single + " is not BERT's [CLS]:0 $A:0 [SEP]:0");
        }
        String cls = single.get(0).substring(2, single.get(0).length() - 2), sep = single.get(2).substring(2, single.get(2).length() - 2);
        List<String> bert = List.of("S:" + cls + ":0", "A:0", "S:" + sep + ":0", "B:1", "S:" + sep + ":1");
        if (!pair.equals(bert)) throw new MukiException(file + ": post_processor.pair " + pair + " is not BERT's " + bert);
        return new String[] {cls, sep};
    }

    /** A template as "S:token:type" and "A:type"/"B:type" strings. */
    private static List<String> pieces(JsonNode template) {
        List<String> out = new ArrayList<>();
        for (JsonNode piece : template) {
            if (piece.has("SpecialToken")) {
                out.add("S:" + piece.get("SpecialToken").path("id").asText() + ":" + piece.get("SpecialToken").path("type_id").asInt());
            } else if (piece.has("Sequence")) {
                out.add(piece.get("Sequence").path("id").asText() + ":" + piece.get("Sequence").path("type_id").asInt());
            } else {
                out.add("?" + piece);
            }
        }
        return out;
    }

    private static String text(Path file, JsonNode o, String field, String path, String def) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return def;
        if (!n.isTextual()) throw new MukiException(file + ": " + path + " must be a string");
        return n.asText();
    }

    private static int integer(Path file, JsonNode o, String field, String path, int def) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return def;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) throw new MukiException(file + ": " + path + " must be a positive integer");
        return n.asInt();
    }

    private static boolean bool(Path file, JsonNode o, String field, String path, boolean def) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return def;
        if (!n.isBoolean()) throw new MukiException(file + ": " + path + " must be true or false");
        return n.asBoolean();
    }
}
