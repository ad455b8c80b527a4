package org.muki.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.muki.MukiException;

/** Reads JSON Lines: one object per line, errors name the file and line; blank lines are errors. */
public final class JsonLines {
    /** One parsed line. */
    public record Line(int number, JsonNode value) {}

    private JsonLines() {}

    public static List<Line> read(InputStream in, String name) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<Line> out = new ArrayList<>();
        int number = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, decoder))) {
            String line;
            while ((line = r.readLine()) != null) {
                number++;
                if (line.isBlank()) throw new MukiException(name + ":" + number + ": empty line (expected a JSON object)");
                JsonNode v = Json.parse(line, name + ":" + number);
                if (!v.isObject()) throw new MukiException(name + ":" + number + ": expected a JSON object");
                out.add(new Line(number, v));
            }
        } catch (CharacterCodingException e) {
            throw new MukiException(name + ":" + (number + 1) + ": not valid UTF-8");
        } catch (IOException e) {
            throw new MukiException(name + ": cannot read (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) throw new MukiException(name + ": no input lines");
        return out;
    }
}
