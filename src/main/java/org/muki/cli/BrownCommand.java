package org.muki.cli;

import java.nio.file.Path;
import java.util.Set;

import org.muki.data.BrownCorpus;
import org.muki.data.Dataset;

/** ./muki brown: writes the Brown corpus genre task as train.tsv and test.tsv. */
final class BrownCommand {
    private BrownCommand() {}

    static int run(String[] argv) {
        Args args = Args.parse("brown", argv, 1, Set.of("out", "sentences"), Set.of());
        Path out = Path.of(args.required("out"));
        BrownCorpus.Splits s = BrownCorpus.load(args.integer("sentences", 3, 1));
        Dataset.writeTsv(out.resolve("train.tsv"), s.train());
        Dataset.writeTsv(out.resolve("test.tsv"), s.test());
        System.out.printf("brown: wrote %d training and %d test examples to %s%n", s.train().size(), s.test().size(), out);
        return 0;
    }
}
