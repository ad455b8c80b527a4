package org.muki.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.muki.data.BrownCorpus;
import org.muki.data.Dataset;

/** ./muki brown: writes the Brown corpus genre task as train.tsv and test.tsv. */
@Command(name = "brown", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes the Brown corpus genre task (15 genres; passages of consecutive sentences, documents split between train "
                + "and test) as train.tsv and test.tsv.")
final class BrownCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the folder to write")
    Path out;

    @Option(names = "--sentences", paramLabel = "N", defaultValue = "3", description = "sentences per passage (default: ${DEFAULT-VALUE})")
    int sentences;

    @Override
    public Integer call() {
        if (sentences < 1) throw new org.muki.MukiException("brown: --sentences must be at least 1, got " + sentences);
        BrownCorpus.Splits s = BrownCorpus.load(sentences);
        Dataset.writeTsv(out.resolve("train.tsv"), s.train());
        Dataset.writeTsv(out.resolve("test.tsv"), s.test());
        System.out.printf("brown: wrote %d training and %d test examples to %s%n", s.train().size(), s.test().size(), out);
        return 0;
    }
}
