package org.muki.pipeline;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where muki is installed, so that its bundled files (models/*.json, the fetched vocabulary in
 * .cache/) are found from any working directory: $MUKI_HOME, else the folder holding target/ (or
 * holding the jar itself, when it lives elsewhere).
 */
public final class Installation {
    private Installation() {}

    public static Path home() {
        String env = System.getenv("MUKI_HOME");
        if (env != null && !env.isBlank()) return Path.of(env);
        try {
            Path code = Path.of(Installation.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            // target/muki.jar or target/classes: the project's root is two levels up.
            Path parent = code.getParent();
            if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("target")) return parent.getParent();
            return Files.isDirectory(code) ? code : parent;
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }

    /** A path as given when it exists (relative to the working directory), else relative to the installation. */
    public static Path resolve(String path) {
        Path p = Path.of(path);
        if (p.isAbsolute() || Files.exists(p)) return p;
        Path installed = home().resolve(path);
        return Files.exists(installed) ? installed : p;
    }

    /** bert-base-uncased's vocabulary as tools/fetch_bert_vocab.sh writes it. */
    public static Path defaultVocab() {
        return resolve(".cache/bert-base-uncased/vocab.txt");
    }
}
