#!/usr/bin/env node
// Expected tokenizations from Hugging Face's own (Rust) tokenizers library for a given tokenizer.json,
// for the Java tests of the tokenizer.json-driven tokenizer.
//
// Usage: node tools/tokenizer_json_reference.js TOKENIZER.json INPUTS.jsonl > EXPECTED.jsonl
// Needs, in a scratch folder on NODE_PATH: npm install tokenizers@0.13.3 tokenizers-linux-x64-gnu@0.13.4-rc2
// Each input line is {"text": ..., optional "text_pair": ..., optional "max_length": N}. Each output line repeats
// those fields and adds "tokens", "input_ids" and "token_type_ids", encoded with special tokens (the file's
// post-processor), truncated LongestFirst to max_length when one is given, and never padded: the truncation
// and padding stored in the tokenizer.json are switched off.
const fs = require("fs");
const { Tokenizer } = require("tokenizers");

const [tokenizerFile, inputsFile] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(tokenizerFile, "utf8"));
config.truncation = null; // e.g. all-MiniLM-L6-v2 ships max_length 128 ...
config.padding = null;    // ... and fixed padding to 128
const tok = Tokenizer.fromString(JSON.stringify(config));

(async () => {
  const out = [];
  for (const line of fs.readFileSync(inputsFile, "utf8").split("\n").filter((l) => l.length > 0)) {
    const input = JSON.parse(line);
    const result = { text: input.text };
    if (input.text_pair !== undefined) result.text_pair = input.text_pair;
    if (input.max_length !== undefined) result.max_length = input.max_length;
    if (input.max_length !== undefined) tok.setTruncation(input.max_length, { strategy: "LongestFirst" });
    else tok.disableTruncation();
    const enc = await tok.encode(input.text, input.text_pair === undefined ? null : input.text_pair);
    result.tokens = enc.getTokens();
    result.input_ids = enc.getIds();
    result.token_type_ids = enc.getTypeIds();
    out.push(JSON.stringify(result));
  }
  process.stdout.write(out.join("\n") + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
