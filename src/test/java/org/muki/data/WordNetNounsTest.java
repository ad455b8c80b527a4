package org.muki.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class WordNetNounsTest {
    static final String LEXNAMES = "03\tnoun.Tops\tunique beginner for nouns\n04\tnoun.act\tnouns denoting acts\n"
            + "05\tnoun.animal\tnouns denoting animals\n13\tnoun.food\tnouns denoting foods\n";

    @Test
    void glossesWithoutExamplesLabelledByLexFileAmbiguousOnesDropped() {
        String data = String.join("\n",
                "  1 This software and database is being provided to you, the LICENSEE, by",
                "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived",
                "00002000 05 n 01 dog 0 000 | a domesticated canid; \"the dog barked all night\"",
                "00002100 05 n 02 cat 0 true_cat 0 000 | a feline mammal; small and furry; \"a cat\"; \"cats purr\"",
                "00002200 13 n 01 dish 0 000 | a particular item of prepared food",
                "00002300 04 n 01 dish 0 000 | a particular item of prepared food",
                "00002400 04 n 01 running 0 000 | the act of running; \"running is good exercise\"",
                "00002500 04 n 01 sprint 0 000 | the act of running",
                "");
        Map<Integer, String> lex = WordNetNouns.lexnames(LEXNAMES);
        assertEquals("noun.animal", lex.get(5));
        WordNetNouns.Splits s = WordNetNouns.build(data, lex, List.of("act", "animal", "food"), 100, 0, "license");
        List<Example> all = new java.util.ArrayList<>(s.train());
        all.addAll(s.validation());
        all.addAll(s.test());
        all.sort(java.util.Comparator.comparing(Example::id));
        assertEquals(List.of(
                new Example("wn-00002000", "a domesticated canid", null, "animal"),
                new Example("wn-00002100", "a feline mammal; small and furry", null, "animal"),
                new Example("wn-00002400", "the act of running", null, "act")), all);
        assertEquals("x; y", WordNetNouns.definition("x; \"quoted\"; y"));
        assertEquals("a duty", WordNetNouns.definition("a duty; \"every right; every possession, a duty\"- J. D. Rockefeller"));
        assertEquals("loosening ties", WordNetNouns.definition("loosening ties; the untying is easy\""));
        assertEquals("progress (in the phrase \"make strides\")", WordNetNouns.definition("progress (in the phrase \"make strides\")"));
    }

    /** The real package (fetched once with apt-get download, checksum pinned): its documented shape. */
    @Test
    void realWordNetHasTwelveCappedClassesAndDisjointSplits() {
        WordNetNouns.Splits s = WordNetNouns.load(WordNetNouns.DEFAULT_CLASSES, 2000, 0);
        Set<String> labels = new HashSet<>(), ids = new HashSet<>();
        Map<String, Integer> perLabel = new java.util.HashMap<>();
        for (List<Example> split : List.of(s.train(), s.validation(), s.test())) {
            for (Example e : split) {
                labels.add(e.label());
                assertTrue(ids.add(e.id()), "synset in two splits: " + e.id());
                assertTrue(!e.text().endsWith("\"") && !e.text().contains("; \"") && !e.text().startsWith("\""),
                        "a usage example was kept: " + e.text());
                perLabel.merge(e.label(), 1, Integer::sum);
            }
        }
        assertEquals(Set.copyOf(WordNetNouns.DEFAULT_CLASSES), labels);
        perLabel.values().forEach(n -> assertTrue(n <= 2000, "cap exceeded: " + perLabel));
        assertTrue(s.license().contains("WordNet"), "license text travels with the data");
        assertTrue(s.test().size() > s.train().size() / 5, "about a fifth of each class is test");
    }
}
