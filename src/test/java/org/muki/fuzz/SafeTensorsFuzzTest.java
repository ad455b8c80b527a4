package org.muki.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.muki.MukiException;
import org.muki.io.SafeTensors;

/**
 * The safetensors reader on arbitrary bytes: it either reads every tensor or refuses with a
 * {@link MukiException}; any other exception, a hang or running out of memory is a finding.
 */
class SafeTensorsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void readerRefusesOrReads(byte[] bytes) throws IOException {
        Path file = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(file, bytes);
            SafeTensors st = SafeTensors.open(file);
            try {
                for (String name : st.entries().keySet()) {
                    try {
                        st.readFloat(name);
                    } catch (MukiException e) {
                        // integer dtypes are refused by name
                    }
                }
            } finally {
                st.close();
            }
        } catch (MukiException e) {
            // the clear refusal every hostile file must get
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
