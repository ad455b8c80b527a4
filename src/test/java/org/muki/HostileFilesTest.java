package org.muki;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.muki.data.Columns;
import org.muki.data.Dataset;
import org.muki.io.HfCheckpoint;
import org.muki.io.SafeTensors;
import org.muki.text.Vocab;
import org.muki.text.WordPieceTokenizer;

/**
 * The committed corpus of hand-made hostile inputs (src/test/resources/hostile, written by
 * tools/make_hostile_files.py), one case at a time: each is refused with a {@link MukiException}
 * whose message names the file and contains the expected fragment; the unbroken "valid" case of
 * each kind is accepted, so every refusal is caused by its one fault.
 */
class HostileFilesTest {
    static final Path ROOT = TestSupport.resource("hostile");

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String line : Files.readAllLines(ROOT.resolve("expected.tsv"), StandardCharsets.UTF_8)) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            out.add(Arguments.of(f[0], f[1], f[2]));
        }
        return out.stream();
    }

    static void read(String kind, Path path) {
        switch (kind) {
            case "safetensors" -> {
                SafeTensors st = SafeTensors.open(path);
                try {
                    for (String name : st.entries().keySet()) st.readFloat(name);
                } finally {
                    st.close();
                }
            }
            case "checkpoint" -> HfCheckpoint.load(path);
            case "vocab" -> new WordPieceTokenizer(Vocab.load(path), true);
            case "dataset" -> Dataset.read(path, Columns.DEFAULT, Dataset.Labels.REQUIRED, false);
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        }
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("cases")
    void refusedWithAMessageNamingTheFileAndTheFault(String kind, String name, String fragment) {
        Path path = ROOT.resolve(kind).resolve(name);
        if (fragment.equals("(loads)")) {
            read(kind, path);
            return;
        }
        try {
            read(kind, path);
            fail(kind + "/" + name + " was accepted; expected a refusal containing '" + fragment + "'");
        } catch (MukiException e) {
            String m = e.getMessage();
            assertTrue(m.contains(name), "the message does not name " + name + ": " + m);
            assertTrue(m.contains(fragment), "the message does not say '" + fragment + "': " + m);
            assertTrue(!m.contains("\n"), "the message is not one line: " + m);
        }
    }
}
