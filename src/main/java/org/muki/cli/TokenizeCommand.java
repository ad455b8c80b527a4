package org.muki.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.muki.MukiException;
import org.muki.io.Json;
import org.muki.pipeline.Predict;
import org.muki.text.TokenizerJson;
import org.muki.text.Vocab;
import org.muki.text.WordPieceTokenizer;

/** ./muki tokenize: one JSON line {"tokens", "input_ids"} per input line, [CLS]/[SEP] included. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Word pieces of every input line (plain text, one text per line) as {\"tokens\": [...], \"input_ids\": [...]}, "
                + "[CLS] and [SEP] included.")
final class TokenizeCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--vocab", paramLabel = "FILE", required = true, description = "a vocab.txt (BERT's basic tokenizer and WordPiece)")
        Path vocab;

        @Option(names = "--tokenizer", paramLabel = "FILE", required = true,
                description = "a tokenizer.json (its normalizer's casing and the Rust library's character classes)")
        Path tokenizer;
    }

    @Option(names = "--cased", description = "with --vocab: keep case and accents (default: lower-case and strip accents)")
    boolean cased;

    @Option(names = "--uncased", hidden = true, description = "with --vocab: lower-case and strip accents (the default)")
    boolean uncased;

    @Option(names = "--input", paramLabel = "FILE", defaultValue = "-", description = "text lines, - for stdin (default)")
    String input;

    @Option(names = "--max-length", paramLabel = "N", description = "truncate to N word pieces, [CLS] and [SEP] included (default: none)")
    Integer maxLength;

    @Override
    public Integer call() throws Exception {
        if (cased && uncased) throw new MukiException("tokenize: give --uncased or --cased, not both");
        if (maxLength != null && maxLength < 2) throw new MukiException("tokenize: --max-length must be at least 2, got " + maxLength);
        WordPieceTokenizer tok;
        if (source.tokenizer != null) {
            if (cased || uncased) throw new MukiException("tokenize: --uncased/--cased go with --vocab; a tokenizer.json says its own casing");
            TokenizerJson tj = TokenizerJson.read(source.tokenizer);
            tok = new WordPieceTokenizer(tj.vocab(), tj.options());
        } else {
            tok = new WordPieceTokenizer(Vocab.load(source.vocab), !cased);
        }
        int max = maxLength == null ? Integer.MAX_VALUE : maxLength;
        String name = input.equals("-") ? "<stdin>" : input;
        InputStream in = input.equals("-") ? System.in : Predict.open(Path.of(input));
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        int lineNo = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, decoder))) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                var enc = tok.encode(line, null, max);
                ObjectNode o = Json.MAPPER.createObjectNode();
                var tokens = o.putArray("tokens");
                enc.tokens().forEach(tokens::add);
                var ids = o.putArray("input_ids");
                for (int id : enc.ids()) ids.add(id);
                out.println(Json.MAPPER.writeValueAsString(o));
            }
        } catch (CharacterCodingException e) {
            throw new MukiException(name + ":" + (lineNo + 1) + ": not valid UTF-8");
        }
        out.flush();
        return 0;
    }
}
