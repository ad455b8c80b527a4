package org.muki.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import org.muki.MukiException;
import org.muki.io.AtomicFiles;
import org.muki.io.Json;

/**
 * A dataset file: TSV or CSV with a header row, or JSON Lines, chosen by the file's extension
 * (.tsv, .csv, .jsonl). A bad row (wrong field count, missing text or label, duplicate id,
 * malformed JSON, bad UTF-8) stops the read with a message naming the file, the row and the
 * reason, unless skipping was asked for: then it is counted and the first reasons kept. The id
 * is optional: a file without an id column (a JSON line without the id field) numbers its rows,
 * "1" for the first data row, so the same file always gives the same ids.
 *
 * @param skipped     rows left out because they were bad
 * @param skipReasons the first few reasons, "FILE:ROW: reason"
 */
public record Dataset(Path file, List<Example> examples, int skipped, List<String> skipReasons) {

    /** Labels must be present (training, evaluation) or may be missing (unlabelled data). */
    public enum Labels { REQUIRED, OPTIONAL }

    public static Dataset read(Path file, Columns columns, Labels labels, boolean skipBadRows) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        String format = name.endsWith(".tsv") ? "tsv" : name.endsWith(".csv") ? "csv"
                : name.endsWith(".jsonl") || name.endsWith(".json") ? "jsonl" : null;
        if (format == null) throw new MukiException(file + ": unknown dataset format (use .tsv, .csv or .jsonl)");
        if (!Files.isRegularFile(file)) throw new MukiException(file + ": missing");
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<Example> examples = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        int[] skipped = {0};
        Map<String, Integer> seenIds = new HashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            RowSource rows = format.equals("jsonl") ? new JsonRows(in) : new DelimitedRows(in, format.equals("tsv") ? '\t' : ',');
            Map<String, Integer> header = rows.header(file);
            if (header != null) {
                if (!header.containsKey(columns.text())) {
                    throw new MukiException(file + ": no column '" + columns.text() + "' in the header " + header.keySet());
                }
                if (labels == Labels.REQUIRED && !header.containsKey(columns.label())) {
                    throw new MukiException(file + ": no column '" + columns.label() + "' in the header " + header.keySet());
                }
            }
            Row row;
            int index = 0;
            while ((row = rows.next(file)) != null) {
                String where = file + ":" + row.number;
                index++;
                try {
                    if (row.error != null) throw new MukiException(where + ": " + row.error);
                    Example e = row.example(columns, labels, where, index);
                    Integer first = seenIds.putIfAbsent(e.id(), row.number);
                    if (first != null) throw new MukiException(where + ": duplicate id '" + e.id() + "' (first at row " + first + ")");
                    examples.add(e);
                } catch (MukiException e) {
                    if (!skipBadRows) throw e;
                    skipped[0]++;
                    if (reasons.size() < 5) reasons.add(e.getMessage());
                }
            }
        } catch (CharacterCodingException e) {
            throw new MukiException(file + ": not valid UTF-8 (after " + (examples.size() + skipped[0]) + " rows)");
        } catch (IOException e) {
            throw new MukiException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (examples.isEmpty()) throw new MukiException(file + ": no usable rows" + (skipped[0] > 0 ? " (" + skipped[0] + " bad rows skipped)" : ""));
        return new Dataset(file, List.copyOf(examples), skipped[0], List.copyOf(reasons));
    }

    /** The sorted distinct labels. */
    public List<String> labels() {
        TreeSet<String> s = new TreeSet<>();
        for (Example e : examples) if (e.label() != null) s.add(e.label());
        return List.copyOf(s);
    }

    /** Writes id, text, (text_pair,) label as TSV; refuses values holding tabs or line breaks. */
    public static void writeTsv(Path file, List<Example> examples) {
        boolean pairs = examples.stream().anyMatch(e -> e.textPair() != null);
        AtomicFiles.write(file, out -> {
            StringBuilder b = new StringBuilder(pairs ? "id\ttext\ttext_pair\tlabel\n" : "id\ttext\tlabel\n");
            for (Example e : examples) {
                for (String v : pairs ? new String[] {e.id(), e.text(), e.textPair(), e.label()} : new String[] {e.id(), e.text(), e.label()}) {
                    String s = v == null ? "" : v;
                    if (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                        throw new MukiException(file + ": example '" + e.id() + "' holds a tab or line break");
                    }
                    b.append(s).append('\t');
                }
                b.setLength(b.length() - 1);
                b.append('\n');
            }
            out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        });
    }

    /** One row: its 1-based number (the header is row 1 in TSV/CSV) and its fields. */
    private static final class Row {
        final int number;
        final Map<String, String> fields;
        final String error;

        Row(int number, Map<String, String> fields, String error) {
            this.number = number;
            this.fields = fields;
            this.error = error;
        }

        /** This row's example; index is its 1-based position among the data rows (the id when it has none). */
        Example example(Columns c, Labels labels, String where, int index) {
            String id = fields.get(c.id()), text = fields.get(c.text()), label = fields.get(c.label());
            String pair = fields.get(c.textPair());
            if (id == null) id = Integer.toString(index);
            else if (id.isBlank()) throw new MukiException(where + ": missing " + c.id());
            if (text == null || text.isBlank()) throw new MukiException(where + ": missing " + c.text());
            if (label != null && label.isBlank()) label = null;
            if (labels == Labels.REQUIRED && label == null) throw new MukiException(where + ": missing " + c.label());
            return new Example(id, text, pair == null || pair.isEmpty() ? null : pair, label);
        }
    }

    private interface RowSource {
        /** Column name -> index, or null for JSON Lines. */
        Map<String, Integer> header(Path file) throws IOException;

        Row next(Path file) throws IOException;
    }

    private static final class JsonRows implements RowSource {
        private final BufferedReader in;
        private int number;

        JsonRows(BufferedReader in) {
            this.in = in;
        }

        @Override
        public Map<String, Integer> header(Path file) {
            return null;
        }

        @Override
        public Row next(Path file) throws IOException {
            String line = in.readLine();
            if (line == null) return null;
            number++;
            if (line.isBlank()) return new Row(number, Map.of(), "empty line");
            JsonNode o;
            try {
                o = Json.parse(line, "row");
            } catch (MukiException e) {
                return new Row(number, Map.of(), e.getMessage().replaceFirst("^row: ", ""));
            }
            if (!o.isObject()) return new Row(number, Map.of(), "not a JSON object");
            Map<String, String> f = new HashMap<>();
            var it = o.fields();
            while (it.hasNext()) {
                var e = it.next();
                JsonNode v = e.getValue();
                if (v.isTextual() || v.isNumber()) f.put(e.getKey(), v.asText());
                else if (!v.isNull()) return new Row(number, Map.of(), "field '" + e.getKey() + "' is not a string or number");
            }
            return new Row(number, f, null);
        }
    }

    /** TSV (no quoting) or CSV (RFC 4180 quotes, quoted fields may span lines). */
    private static final class DelimitedRows implements RowSource {
        private final BufferedReader in;
        private final char sep;
        private int number;
        private List<String> names;

        DelimitedRows(BufferedReader in, char sep) {
            this.in = in;
            this.sep = sep;
        }

        @Override
        public Map<String, Integer> header(Path file) throws IOException {
            List<String> h;
            try {
                h = fields();
            } catch (MukiException e) {
                throw new MukiException(file + ":1: header: " + e.getMessage());
            }
            if (h == null) throw new MukiException(file + ": empty file (expected a header row)");
            if (!h.isEmpty() && h.get(0).startsWith("\uFEFF")) h.set(0, h.get(0).substring(1));
            Map<String, Integer> m = new LinkedHashMap<>();
            for (int i = 0; i < h.size(); i++) {
                if (m.put(h.get(i).strip(), i) != null) throw new MukiException(file + ":1: column '" + h.get(i) + "' appears twice");
            }
            names = new ArrayList<>(m.keySet());
            return m;
        }

        @Override
        public Row next(Path file) throws IOException {
            List<String> f;
            try {
                f = fields();
            } catch (MukiException e) {
                return new Row(number, Map.of(), e.getMessage());
            }
            if (f == null) return null;
            if (f.size() == 1 && f.get(0).isEmpty()) return new Row(number, Map.of(), "empty line");
            if (f.size() != names.size()) {
                return new Row(number, Map.of(), f.size() + " fields, the header has " + names.size());
            }
            Map<String, String> m = new HashMap<>();
            for (int i = 0; i < f.size(); i++) m.put(names.get(i), f.get(i));
            return new Row(number, m, null);
        }

        private List<String> fields() throws IOException {
            String line = in.readLine();
            if (line == null) return null;
            number++;
            List<String> out = new ArrayList<>();
            if (sep == '\t') {
                if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
                for (String s : line.split("\t", -1)) out.add(s);
                return out;
            }
            StringBuilder cur = new StringBuilder();
            boolean quoted = false;
            int startRow = number;
            int i = 0;
            while (true) {
                if (i >= line.length()) {
                    if (!quoted) break;
                    String more = in.readLine();
                    if (more == null) throw new MukiException("quoted field opened at row " + startRow + " never closes");
                    number++;
                    cur.append('\n');
                    line = more;
                    i = 0;
                    continue;
                }
                char ch = line.charAt(i);
                if (quoted) {
                    if (ch == '"') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                            cur.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        cur.append(ch);
                    }
                } else if (ch == '"' && cur.length() == 0) {
                    quoted = true;
                } else if (ch == ',') {
                    out.add(cur.toString());
                    cur.setLength(0);
                } else if (ch != '\r' || i != line.length() - 1) {
                    cur.append(ch);
                }
                i++;
            }
            out.add(cur.toString());
            return out;
        }
    }
}
