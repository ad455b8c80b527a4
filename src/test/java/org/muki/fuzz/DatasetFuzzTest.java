package org.muki.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import org.muki.MukiException;
import org.muki.data.Columns;
import org.muki.data.Dataset;
import org.muki.data.Example;

/**
 * The dataset readers on arbitrary bytes (the first byte picks TSV, CSV or JSONL and whether bad
 * rows are skipped): every accepted row has an id, a non-blank text and a unique id; anything
 * else is refused with a {@link MukiException} naming the file and row.
 */
class DatasetFuzzTest {
    private static final String[] EXTENSIONS = {".tsv", ".csv", ".jsonl"};

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"id", "text", "text_pair", "label", "\"", "{\"id\":", "\"text\":", "\"label\":"})
    void readerRefusesOrReads(byte[] input) throws IOException {
        if (input.length < 1) return;
        Path file = Files.createTempFile("fuzz", EXTENSIONS[(input[0] & 0xFF) % 3]);
        try {
            Files.write(file, java.util.Arrays.copyOfRange(input, 1, input.length));
            Dataset d = Dataset.read(file, Columns.DEFAULT, Dataset.Labels.OPTIONAL, (input[0] & 4) != 0);
            Set<String> ids = new HashSet<>();
            for (Example e : d.examples()) {
                assertTrue(e.id() != null && !e.id().isEmpty(), "accepted a row without an id");
                assertTrue(e.text() != null && !e.text().isBlank(), "accepted a row without text: " + e);
                assertTrue(ids.add(e.id()), "accepted a duplicate id " + e.id());
            }
        } catch (MukiException e) {
            assertTrue(e.getMessage().contains(file.getFileName().toString()), "the refusal does not name the file: " + e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
