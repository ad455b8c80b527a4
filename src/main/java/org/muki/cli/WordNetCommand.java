package org.muki.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.data.WordNetNouns;
import org.muki.io.AtomicFiles;

/** ./muki wordnet: writes the WordNet noun-supersense task as train/validation/test TSV files with WordNet's license. */
@Command(name = "wordnet", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes the WordNet noun-supersense task (a noun's gloss -> its lexicographer file) as train.tsv, validation.tsv "
                + "and test.tsv, with WordNet's license.")
final class WordNetCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the folder to write")
    Path out;

    @Option(names = "--classes", paramLabel = "CLASS", split = ",", description = "the supersenses (default: the 12 largest noun files)")
    List<String> classes;

    @Option(names = "--cap", paramLabel = "N", defaultValue = "2000", description = "glosses per class at most (default: ${DEFAULT-VALUE})")
    int cap;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0", description = "of the sample and the split (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        if (cap < 1) throw new MukiException("wordnet: --cap must be at least 1, got " + cap);
        List<String> names = classes == null ? WordNetNouns.DEFAULT_CLASSES : classes.stream().map(String::strip).toList();
        if (names.isEmpty() || names.stream().anyMatch(String::isEmpty) || java.util.Set.copyOf(names).size() != names.size()) {
            throw new MukiException("wordnet: --classes must be distinct non-empty names, got " + names);
        }
        WordNetNouns.Splits s = WordNetNouns.load(names, cap, seed);
        write(out, s);
        System.out.printf("wordnet: wrote %d training, %d validation and %d test examples to %s%n", s.train().size(),
                s.validation().size(), s.test().size(), out);
        return 0;
    }

    static void write(Path out, WordNetNouns.Splits s) {
        Dataset.writeTsv(out.resolve("train.tsv"), s.train());
        Dataset.writeTsv(out.resolve("validation.tsv"), s.validation());
        Dataset.writeTsv(out.resolve("test.tsv"), s.test());
        AtomicFiles.write(out.resolve("LICENSE-wordnet.txt"), os -> os.write(s.license().getBytes(StandardCharsets.UTF_8)));
    }
}
