package org.muki.text;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.muki.MukiException;
import org.muki.io.AtomicFiles;

/** A WordPiece vocabulary: vocab.txt, one token per line, the line number is the id. */
public final class Vocab {
    private final Path source;
    private final List<String> tokens;
    private final Map<String, Integer> ids;

    public Vocab(Path source, List<String> tokens) {
        this.source = source;
        this.tokens = List.copyOf(tokens);
        this.ids = new HashMap<>();
        // As in Hugging Face's load_vocab, a repeated token maps to its last line.
        for (int i = 0; i < tokens.size(); i++) ids.put(tokens.get(i), i);
    }

    public static Vocab load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new MukiException(file + ": cannot read (" + e.getMessage() + ")");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MukiException(file + ": not valid UTF-8");
        }
        List<String> tokens = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            tokens.add(text.substring(start, end));
            start = end + 1;
        }
        if (tokens.isEmpty()) throw new MukiException(file + ": empty vocabulary");
        return new Vocab(file, tokens);
    }

    public int size() {
        return tokens.size();
    }

    public String token(int id) {
        return tokens.get(id);
    }

    /** The id of a token, or -1. */
    public int id(String token) {
        Integer i = ids.get(token);
        return i == null ? -1 : i;
    }

    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    /** The id of a token the tokenizer cannot work without; a clear error when it is missing. */
    public int required(String token) {
        int i = id(token);
        if (i < 0) throw new MukiException((source == null ? "vocabulary" : source.toString()) + ": has no " + token + " token");
        return i;
    }

    public void save(Path file) {
        AtomicFiles.write(file, out -> {
            for (String t : tokens) {
                out.write(t.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
        });
    }
}
