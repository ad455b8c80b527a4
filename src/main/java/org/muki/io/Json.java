package org.muki.io;

import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.muki.MukiException;

/** One strict JSON reader for the project: duplicate keys are errors, messages name the file. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Json() {}

    public static JsonNode parse(String text, String where) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new MukiException(where + ": malformed JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    public static JsonNode read(Path file) {
        try {
            return parse(java.nio.file.Files.readString(file), file.toString());
        } catch (java.nio.charset.MalformedInputException e) {
            throw new MukiException(file + ": not valid UTF-8");
        } catch (IOException e) {
            throw new MukiException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
