#!/usr/bin/env node
// Expected tokenizations from Hugging Face's own (Rust) tokenizers library, for the Java tests.
//
// Usage: node tools/tokenizer_reference.js VOCAB.txt INPUTS.jsonl > EXPECTED.jsonl
// Needs, in a scratch folder on NODE_PATH: npm install tokenizers@0.13.3 tokenizers-linux-x64-gnu@0.13.4-rc2
// The tokenizer is bert-base-uncased's tokenizer.json (BertNormalizer, BertPreTokenizer, WordPiece,
// BertProcessing), built here from vocab.txt; each input is encoded uncased and cased.
const fs = require("fs");
const { Tokenizer } = require("tokenizers");

const [vocabFile, inputsFile] = process.argv.slice(2);
const tokens = fs.readFileSync(vocabFile, "utf8").split("\n");
tokens.pop(); // the file ends with a newline
const vocab = {};
tokens.forEach((t, i) => { vocab[t] = i; });
const special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

function build(lowercase) {
  return Tokenizer.fromString(JSON.stringify({
    version: "1.0", truncation: null, padding: null,
    added_tokens: special.map((s) => ({ id: vocab[s], content: s, single_word: false, lstrip: false, rstrip: false,
                                        normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: { type: "BertProcessing", sep: ["[SEP]", vocab["[SEP]"]], cls: ["[CLS]", vocab["[CLS]"]] },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
  }));
}

(async () => {
  const out = [];
  for (const line of fs.readFileSync(inputsFile, "utf8").split("\n").filter((l) => l.length > 0)) {
    const input = JSON.parse(line);
    const result = { text: input.text };
    if (input.text_pair !== undefined) result.text_pair = input.text_pair;
    if (input.max_length !== undefined) result.max_length = input.max_length;
    for (const [name, lower] of [["uncased", true], ["cased", false]]) {
      const tok = build(lower);
      if (input.max_length !== undefined) tok.setTruncation(input.max_length, { strategy: "LongestFirst" });
      const enc = await tok.encode(input.text, input.text_pair === undefined ? null : input.text_pair);
      result[name] = { tokens: enc.getTokens(), input_ids: enc.getIds(), token_type_ids: enc.getTypeIds() };
    }
    out.push(JSON.stringify(result));
  }
  process.stdout.write(out.join("\n") + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
