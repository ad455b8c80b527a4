package org.muki.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.io.Json;
import org.muki.text.TokenizerJson;
import org.muki.text.Vocab;
import org.muki.text.WordPieceTokenizer;

/** ./muki tokenize: one JSON line {"tokens", "input_ids"} per input line, [CLS]/[SEP] included. */
final class TokenizeCommand {
    private TokenizeCommand() {}

    static int run(String[] argv) throws IOException {
        Args args = Args.parse("tokenize", argv, 1, Set.of("vocab", "tokenizer", "input", "max-length"), Set.of("uncased", "cased"));
        if (args.flag("uncased") && args.flag("cased")) throw new MukiException("tokenize: give --uncased or --cased, not both");
        if (args.flag("vocab") == args.flag("tokenizer")) throw new MukiException("tokenize: give exactly one of --vocab and --tokenizer");
        WordPieceTokenizer tok;
        if (args.flag("tokenizer")) {
            if (args.flag("uncased") || args.flag("cased")) {
                throw new MukiException("tokenize: --uncased/--cased go with --vocab; a tokenizer.json says its own casing");
            }
            TokenizerJson tj = TokenizerJson.read(Path.of(args.required("tokenizer")));
            tok = new WordPieceTokenizer(tj.vocab(), tj.options());
        } else {
            tok = new WordPieceTokenizer(Vocab.load(Path.of(args.required("vocab"))), !args.flag("cased"));
        }
        int maxLength = args.integer("max-length", Integer.MAX_VALUE, 2);
        String input = args.string("input", null);
        String name = input == null ? "<stdin>" : input;
        InputStream in = input == null ? System.in : PredictCommand.open(Path.of(input));
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        int lineNo = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, decoder))) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                var enc = tok.encode(line, null, maxLength);
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
