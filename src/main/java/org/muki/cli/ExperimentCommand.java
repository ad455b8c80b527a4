package org.muki.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import org.muki.MukiException;
import org.muki.pipeline.Experiment;
import org.muki.pipeline.ExperimentSettings;
import org.muki.pipeline.Installation;

/** ./muki experiment: the whole pipeline from one settings file (or a bundled experiment's name). */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The whole pipeline from one YAML or JSON file: data, one teacher per label block, the gold teacher, MC-dropout "
                + "scores of the transfer and test samples, one student per method and seed, their evaluation, and the report "
                + "(report.md, report.json, pictures). A step whose output is in the run folder is skipped, so an interrupted "
                + "experiment continues where it stopped.",
                "Bundled: wordnet-3-teachers, wordnet-2-teachers, wordnet-minilm, wordnet-heterogeneous, brown-demo, brown-3-teachers."})
final class ExperimentCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "EXPERIMENT", description = "a .yaml/.yml/.json file or a bundled experiment's name")
    String experiment;

    @Option(names = "--config", paramLabel = "FILE", hidden = true, description = "the settings file (old spelling of EXPERIMENT)")
    String config;

    @Option(names = "--out", paramLabel = "DIR", description = "the run folder (default: runs/NAME)")
    Path out;

    @Option(names = "--vocab", paramLabel = "FILE",
            description = "vocabulary of the models started from a config (default: bert-base-uncased's, from tools/fetch_bert_vocab.sh)")
    Path vocab;

    @Mixin
    Options.ComputeMixin compute;

    @Override
    public Integer call() {
        if (experiment != null && config != null) throw new MukiException("experiment: give the experiment once (EXPERIMENT or --config)");
        String source = experiment != null ? experiment : config;
        if (source == null) throw new MukiException("experiment: name an experiment file or a bundled experiment (see ./muki experiment --help)");
        return run("experiment", source, out, vocab, compute);
    }

    static int run(String command, String source, Path out, Path vocab, Options.ComputeMixin compute) {
        ExperimentSettings settings = ExperimentSettings.load(source);
        Path dir = out != null ? out : Path.of("runs", settings.nameOrDefault());
        Path v = vocab != null ? vocab : Installation.defaultVocab();
        CliListener.STDERR.info(command + " " + settings.nameOrDefault() + " into " + dir);
        var r = Experiment.run(new Experiment.Request(settings, source, dir, v, compute.compute()), CliListener.STDERR);
        System.out.print(r.report());
        System.out.printf("%s: %s finished in %.0f s; report.md, report.json and the pictures are in %s%n", command, settings.nameOrDefault(), r.seconds(),
                dir);
        return 0;
    }
}
