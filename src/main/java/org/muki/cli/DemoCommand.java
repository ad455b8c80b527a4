package org.muki.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** ./muki demo: the bundled demonstration experiment. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the bundled experiment wordnet-3-teachers (./muki experiment wordnet-3-teachers): three teachers on blocks "
                + "of the WordNet noun supersenses, 11 of the 13 methods (all but the two -margin-norm variants), the report.")
final class DemoCommand implements Callable<Integer> {
    static final String EXPERIMENT = "wordnet-3-teachers";

    @Option(names = "--out", paramLabel = "DIR", description = "the run folder (default: runs/" + EXPERIMENT + ")")
    Path out;

    @Option(names = "--vocab", paramLabel = "FILE", description = "default: bert-base-uncased's, from tools/fetch_bert_vocab.sh")
    Path vocab;

    @Mixin
    Options.ComputeMixin compute;

    @Override
    public Integer call() {
        return ExperimentCommand.run("demo", EXPERIMENT, out, vocab, compute);
    }
}
