package org.muki.integration;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.io.Hashing;
import org.muki.io.Json;

/**
 * Teacher scores of a dataset, JSON Lines. The first line is the header: format, the data
 * file's SHA-256, each teacher's directory, content hash and labels, K, the dropout rates and
 * the seed. Each further line is one instance, keyed by its id: the teachers' deterministic
 * logits, MC mean probabilities and normalised uncertainties (MC and single pass).
 */
public final class ScoreFile {
    public static final String FORMAT = "muki-scores/1";

    private final Path file;
    private final JsonNode header;
    private final Map<String, InstanceScores> instances;

    private ScoreFile(Path file, JsonNode header, Map<String, InstanceScores> instances) {
        this.file = file;
        this.header = header;
        this.instances = instances;
    }

    public static ObjectNode header(String dataSha256, List<Teacher> teachers, int samples, float[] hiddenP, float[] attentionP,
                                    long seed, int maxLength) {
        ObjectNode h = Json.MAPPER.createObjectNode();
        h.put("format", FORMAT);
        h.putObject("data").put("sha256", dataSha256);
        ArrayNode ts = h.putArray("teachers");
        for (int i = 0; i < teachers.size(); i++) {
            Teacher t = teachers.get(i);
            ObjectNode o = ts.addObject().put("dir", t.dir().toString()).put("sha256", t.sha256())
                    .put("hidden_dropout", hiddenP[i]).put("attention_dropout", attentionP[i]);
            ArrayNode l = o.putArray("labels");
            t.labels().forEach(l::add);
        }
        h.put("mc_samples", samples).put("seed", seed).put("max_length", maxLength);
        return h;
    }

    public static ObjectNode line(InstanceScores s) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", s.id());
        ArrayNode z = o.putArray("logits"), p = o.putArray("mc_probs"), u = o.putArray("u"), ue = o.putArray("u_entropy");
        for (int i = 0; i < s.teachers(); i++) {
            ArrayNode zi = z.addArray(), pi = p.addArray();
            for (float v : s.logits()[i]) zi.add(v);
            for (double v : s.mcProbs()[i]) pi.add(v);
            u.add(s.mcUncertainty()[i]);
            ue.add(s.entropyUncertainty()[i]);
        }
        return o;
    }

    /**
     * The ids already scored in a partial score file (a killed run's), when its header equals
     * this run's; a torn last line is cut off. Empty when there is no partial file; null when it
     * was made with other teachers, data or options (the caller starts over).
     */
    public static java.util.Set<String> resumable(Path partial, JsonNode header) {
        java.util.Set<String> done = new java.util.HashSet<>();
        if (!Files.exists(partial)) return done;
        try {
            byte[] bytes = Files.readAllBytes(partial);
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] != '\n') end--;
            if (end == 0) return null; // not even a whole header line
            String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
            String[] lines = text.split("\n");
            JsonNode expected = Json.parse(Json.MAPPER.writeValueAsString(header), "score header");
            if (!expected.equals(Json.parse(lines[0], partial + ":1"))) return null;
            for (int i = 1; i < lines.length; i++) {
                String id = Json.parse(lines[i], partial + ":" + (i + 1)).path("id").asText(null);
                if (id == null || !done.add(id)) return null;
            }
            if (end < bytes.length) {
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(partial, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(end);
                }
            }
            return done;
        } catch (MukiException e) {
            return null; // a damaged line: start over rather than trust the file
        } catch (IOException e) {
            throw new MukiException(partial + ": cannot read (" + e.getMessage() + ")");
        }
    }

    public static ScoreFile read(Path file) {
        if (!Files.isRegularFile(file)) throw new MukiException(file + ": missing (compute it with ./muki score)");
        Map<String, InstanceScores> instances = new LinkedHashMap<>();
        JsonNode header;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (first == null) throw new MukiException(file + ": empty score file");
            header = Json.parse(first, file + ":1");
            if (!FORMAT.equals(header.path("format").asText())) throw new MukiException(file + ": not a " + FORMAT + " score file");
            int n = header.get("teachers").size();
            String line;
            int number = 1;
            while ((line = r.readLine()) != null) {
                number++;
                JsonNode o = Json.parse(line, file + ":" + number);
                String id = o.path("id").asText(null);
                if (id == null) throw new MukiException(file + ":" + number + ": no id");
                float[][] z = new float[n][];
                double[][] p = new double[n][];
                double[] u = new double[n], ue = new double[n];
                for (int i = 0; i < n; i++) {
                    z[i] = floats(o.get("logits").get(i));
                    p[i] = doubles(o.get("mc_probs").get(i));
                    u[i] = o.get("u").get(i).asDouble();
                    ue[i] = o.get("u_entropy").get(i).asDouble();
                }
                if (instances.put(id, new InstanceScores(id, z, p, u, ue)) != null) {
                    throw new MukiException(file + ":" + number + ": id '" + id + "' appears twice");
                }
            }
        } catch (IOException e) {
            throw new MukiException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (NullPointerException e) {
            throw new MukiException(file + ": a line lacks logits, mc_probs, u or u_entropy for every teacher");
        }
        return new ScoreFile(file, header, instances);
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) a.get(i).asDouble();
        return v;
    }

    private static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asDouble();
        return v;
    }

    /**
     * Refuses a score file made for other teachers (content hash, in order) or other data
     * (the data file's hash), naming what differs.
     */
    public void check(List<Teacher> teachers, Path dataFile) {
        JsonNode ts = header.get("teachers");
        if (ts.size() != teachers.size()) {
            throw new MukiException(file + ": scores of " + ts.size() + " teachers, but " + teachers.size()
                    + " were given; recompute with ./muki score");
        }
        for (int i = 0; i < teachers.size(); i++) {
            if (!ts.get(i).path("sha256").asText().equals(teachers.get(i).sha256())) {
                throw new MukiException(file + ": stale: teacher " + (i + 1) + " (" + teachers.get(i).dir()
                        + ") is not the model these scores were computed with (" + ts.get(i).path("dir").asText()
                        + "); recompute with ./muki score");
            }
        }
        if (dataFile != null && !header.path("data").path("sha256").asText().equals(Hashing.sha256(dataFile))) {
            throw new MukiException(file + ": stale: " + dataFile + " is not the data file these scores were computed on; "
                    + "recompute with ./muki score");
        }
    }

    public JsonNode header() {
        return header;
    }

    public Map<String, InstanceScores> instances() {
        return instances;
    }

    /** The scores of an id; a clear error when the file has none. */
    public InstanceScores get(String id) {
        InstanceScores s = instances.get(id);
        if (s == null) throw new MukiException(file + ": no scores for instance '" + id + "'; recompute with ./muki score");
        return s;
    }
}
