package org.muki.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import org.muki.MukiException;
import org.muki.io.Hashing;

/**
 * WordNet 3.0 noun supersenses from Debian's wordnet-base package: one example per synset,
 * text = its gloss without the quoted usage examples, label = its lexicographer file (noun.act
 * -> "act"). Glosses that occur under two labels are dropped (and repeats within a label kept
 * once); each label is capped (seeded); the rest is split train/validation/test (seeded).
 * The package (pinned by SHA-256) is fetched with `apt-get download` and unpacked with
 * `dpkg-deb` into the cache; WordNet's license travels with the data.
 */
public final class WordNetNouns {
    private static final System.Logger LOG = System.getLogger(WordNetNouns.class.getName());

    public static final String PACKAGE = "wordnet-base";
    public static final String VERSION = "1:3.0-37";
    public static final String SHA256 = "61060d960f9ada8fa120872312eccd3ecebfbab8c4579e4f5a74e1cf67620752";
    public static final List<String> DEFAULT_CLASSES = List.of("act", "animal", "artifact", "attribute", "cognition",
            "communication", "food", "location", "person", "plant", "state", "substance");
    /** The 3-teacher partition: living, physical, abstract. */
    public static final List<List<String>> THREE_TEACHERS = List.of(List.of("person", "animal", "plant", "food"),
            List.of("artifact", "substance", "location", "state"), List.of("act", "communication", "cognition", "attribute"));

    /** The three splits and the license text that must accompany them. */
    public record Splits(List<Example> train, List<Example> validation, List<Example> test, String license) {}

    private WordNetNouns() {}

    /** The unpacked package folder in the cache (fetched and checked on first use). */
    static Path unpacked() {
        Path dir = NpmPackage.cacheDir().resolve("wordnet-base-3.0-37");
        if (Files.isRegularFile(dir.resolve("usr/share/wordnet/data.noun"))) return dir;
        Path deb = NpmPackage.cacheDir().resolve("wordnet-base_3.0-37_all.deb");
        try {
            Files.createDirectories(NpmPackage.cacheDir());
            if (!Files.isRegularFile(deb) || !Hashing.sha256(deb).equals(SHA256)) {
                Path work = Files.createTempDirectory(NpmPackage.cacheDir(), "apt");
                LOG.log(System.Logger.Level.INFO, "fetching " + PACKAGE + "=" + VERSION + " with apt-get download");
                try {
                    run(work, "apt-get", "download", PACKAGE + "=" + VERSION);
                } catch (MukiException first) {
                    // A fresh machine has no package lists yet: fetch them once and retry.
                    LOG.log(System.Logger.Level.INFO, "apt-get download failed; running apt-get update once and retrying");
                    run(work, "apt-get", "update", "-q");
                    run(work, "apt-get", "download", PACKAGE + "=" + VERSION);
                }
                try (var files = Files.list(work)) {
                    Path got = files.filter(p -> p.toString().endsWith(".deb")).findFirst()
                            .orElseThrow(() -> new MukiException("apt-get download left no .deb"));
                    Files.move(got, deb, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                Files.delete(work);
            }
            String got = Hashing.sha256(deb);
            if (!got.equals(SHA256)) throw new MukiException(deb + ": SHA-256 " + got + " is not the pinned " + SHA256);
            Path tmp = Files.createTempDirectory(NpmPackage.cacheDir(), "wordnet");
            run(tmp, "dpkg-deb", "-x", deb.toString(), tmp.toString());
            Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new MukiException("cannot fetch " + PACKAGE + " (" + e.getMessage() + "); on Debian: apt-get update first");
        }
        return dir;
    }

    private static void run(Path dir, String... cmd) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new MukiException(String.join(" ", cmd) + " failed: " + log.strip().replace('\n', ' '));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MukiException("interrupted: " + String.join(" ", cmd));
        }
    }

    public static Splits load(List<String> classes, int cap, long seed) {
        Path dir = unpacked();
        try {
            String lexnames;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("usr/share/man/man5/lexnames.5WN.gz")))) {
                lexnames = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String data = Files.readString(dir.resolve("usr/share/wordnet/data.noun"), StandardCharsets.UTF_8);
            String license = Files.readString(dir.resolve("usr/share/doc/wordnet-base/copyright"), StandardCharsets.UTF_8);
            return build(data, lexnames(lexnames), classes, cap, seed, license);
        } catch (IOException e) {
            throw new MukiException(dir + ": cannot read WordNet (" + e.getMessage() + ")");
        }
    }

    /** Lexicographer file number -> name ("noun.act"), from the lexnames(5WN) page's table. */
    static Map<Integer, String> lexnames(String page) {
        Map<Integer, String> out = new HashMap<>();
        for (String line : page.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 2 && f[0].matches("\\d\\d") && f[1].matches("(noun|verb|adj|adv)\\.\\w+")) out.put(Integer.parseInt(f[0]), f[1]);
        }
        if (!out.containsKey(4) || !out.get(4).equals("noun.act")) throw new MukiException("lexnames(5WN): unexpected table");
        return out;
    }

    /**
     * The gloss without its quoted usage examples: `def; "example"; "example" - Author` -> `def`.
     * An example runs from an opening quote at the start of a segment to its closing quote (even
     * across ';') and any attribution after it; a segment ending in a stray quote is an example
     * whose opening quote WordNet lost. Quotes inside a definition ("the phrase "make strides"")
     * stay.
     */
    static String definition(String gloss) {
        List<String> parts = new ArrayList<>();
        int i = 0, n = gloss.length();
        while (i < n) {
            while (i < n && (gloss.charAt(i) == ' ' || gloss.charAt(i) == ';')) i++;
            if (i >= n) break;
            int end;
            if (gloss.charAt(i) == '"') {
                int close = gloss.indexOf('"', i + 1);
                end = close < 0 ? n : gloss.indexOf(';', close);
                i = end < 0 ? n : end;
                continue;
            }
            end = gloss.indexOf(';', i);
            if (end < 0) end = n;
            String part = gloss.substring(i, end).strip();
            if (!part.isEmpty() && !part.endsWith("\"")) parts.add(part);
            i = end;
        }
        return String.join("; ", parts);
    }

    static Splits build(String data, Map<Integer, String> lexnames, List<String> classes, int cap, long seed, String license) {
        Set<String> wanted = Set.copyOf(classes);
        Map<String, Map<String, String>> byGloss = new LinkedHashMap<>(); // gloss -> label -> first synset id
        int line = 0;
        for (String row : data.split("\n")) {
            line++;
            if (row.startsWith("  ") || row.isBlank()) continue; // the license header
            int bar = row.indexOf(" | ");
            String[] f = row.split(" ", 3);
            if (bar < 0 || f.length < 3) throw new MukiException("data.noun:" + line + ": not a synset line");
            String name = lexnames.get(Integer.parseInt(f[1]));
            if (name == null || !name.startsWith("noun.")) throw new MukiException("data.noun:" + line + ": unknown lex_filenum " + f[1]);
            String label = name.substring("noun.".length());
            if (!wanted.contains(label)) continue;
            String text = definition(row.substring(bar + 3));
            if (text.isEmpty()) continue;
            byGloss.computeIfAbsent(text, k -> new LinkedHashMap<>()).putIfAbsent(label, "wn-" + f[0]);
        }
        Map<String, List<Example>> perClass = new TreeMap<>();
        for (String c : classes) perClass.put(c, new ArrayList<>());
        for (var e : byGloss.entrySet()) {
            if (e.getValue().size() > 1) continue; // the same gloss under two labels: ambiguous, dropped
            var only = e.getValue().entrySet().iterator().next();
            perClass.get(only.getKey()).add(new Example(only.getValue(), e.getKey(), null, only.getKey()));
        }
        Random rng = new Random(seed);
        List<Example> train = new ArrayList<>(), validation = new ArrayList<>(), test = new ArrayList<>();
        for (List<Example> rows : perClass.values()) {
            java.util.Collections.shuffle(rows, rng);
            List<Example> kept = rows.subList(0, Math.min(cap, rows.size()));
            int nTest = kept.size() / 5, nVal = kept.size() / 10;
            test.addAll(kept.subList(0, nTest));
            validation.addAll(kept.subList(nTest, nTest + nVal));
            train.addAll(kept.subList(nTest + nVal, kept.size()));
        }
        return new Splits(train, validation, test, license);
    }
}
