package org.muki;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.muki.data.Example;
import org.muki.data.WordNetNouns;

/**
 * Real English texts of varied length for tests against reference implementations, without
 * committing the texts: WordNet 3.0 noun glosses (the checksum-pinned Debian package the project
 * fetches), taken in the order of their synset ids from the test split of the default task.
 * The first 200 are single glosses (a few to about 60 word pieces); then 50 longer texts, the
 * k-th joining k + 2 consecutive glosses (up to several hundred word pieces, so the longest are
 * truncated at 512). Each text is named by the ids of its glosses, so expected outputs made by
 * other tools can be stored by name.
 */
public final class RealTexts {
    private RealTexts() {}

    /** A text and the glosses it is made of. */
    public record Text(List<String> ids, String text) {
        public String key() {
            return String.join("+", ids);
        }
    }

    public static List<Text> wordNet() {
        List<Example> glosses = new ArrayList<>(WordNetNouns.load(WordNetNouns.DEFAULT_CLASSES, 2000, 0).test());
        glosses.sort(Comparator.comparing(Example::id));
        List<Text> out = new ArrayList<>();
        for (int i = 0; i < 200; i++) out.add(new Text(List.of(glosses.get(i).id()), glosses.get(i).text()));
        int at = 200;
        for (int k = 0; k < 50; k++) {
            List<String> ids = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < k + 2; j++, at++) {
                Example e = glosses.get(at);
                ids.add(e.id());
                text.append(text.length() > 0 ? " " : "").append(e.text()).append('.');
            }
            out.add(new Text(ids, text.toString()));
        }
        return out;
    }
}
