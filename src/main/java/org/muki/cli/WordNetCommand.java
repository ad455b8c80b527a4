package org.muki.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;

import org.muki.data.Dataset;
import org.muki.data.WordNetNouns;
import org.muki.io.AtomicFiles;

/** ./muki wordnet: writes the WordNet noun-supersense task as train/validation/test TSV files with WordNet's license. */
final class WordNetCommand {
    private WordNetCommand() {}

    static int run(String[] argv) {
        Args args = Args.parse("wordnet", argv, 1, Set.of("out", "classes", "cap", "seed"), Set.of());
        Path out = Path.of(args.required("out"));
        var classes = args.flag("classes") ? TrainCommand.labelList("wordnet", args.required("classes")) : WordNetNouns.DEFAULT_CLASSES;
        WordNetNouns.Splits s = WordNetNouns.load(classes, args.integer("cap", 2000, 1), args.longValue("seed", 0));
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
