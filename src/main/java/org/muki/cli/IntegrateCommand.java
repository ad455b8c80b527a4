package org.muki.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.muki.pipeline.Integrate;

/** ./muki integrate: trains a student over the union of the teachers' labels with one integration method. */
@Command(name = "integrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains a student over the union of the teachers' labels with one integration method's loss, from the teachers' "
                + "score file of the transfer data; no gold label is read except by the upper bounds oracle and supervised. --eval is "
                + "labelled validation data whose accuracy is logged per epoch; the saved student is the last epoch's.")
final class IntegrateCommand implements Callable<Integer> {
    @Option(names = "--method", paramLabel = "NAME", required = true,
            description = "muki-soft, muki-hard, muki-soft-noweight, muki-hard-noweight, muki-maxprob, vanilla-kd, uhc, dfa, cfl, oracle, supervised")
    String method;

    @Option(names = "--teachers", paramLabel = "DIR", required = true, split = ",", description = "the teachers, in the score file's order")
    List<String> teachers;

    @Option(names = "--data", paramLabel = "FILE", required = true, description = "the transfer data (labels are not read, except by the upper bounds)")
    Path data;

    @Option(names = "--scores", paramLabel = "FILE", required = true, description = "./muki score's file of --data under --teachers")
    Path scores;

    @Option(names = "--eval", paramLabel = "FILE", description = "labelled validation data")
    Path eval;

    @Option(names = "--labels", paramLabel = "LABEL", split = ",", description = "the student's label order (default: the sorted union)")
    List<String> labels;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the student's model directory")
    Path out;

    @Option(names = "--tau", paramLabel = "T", defaultValue = "0.2", description = "temperature of the soft teacher weights, softmax(s / tau) (default: ${DEFAULT-VALUE})")
    double tau;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0", description = "softmax temperature of the KL targets (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--feature-weight", paramLabel = "W", description = "weight of dfa's and cfl's feature terms (default: dfa 1, cfl 0.001)")
    Double featureWeight;

    @Option(names = "--uncertainty-normalization", paramLabel = "KIND", defaultValue = "percentile",
            description = "none, percentile or zscore: each teacher's uncertainties against its own transfer distribution before the "
                    + "most certain is chosen; none is the paper's MUKI (default: ${DEFAULT-VALUE})")
    String normalization;

    @Mixin
    Options.StartMixin start;

    @Mixin
    Options.TrainingMixin training;

    @Mixin
    Options.ColumnsMixin columns;

    @Mixin
    Options.ComputeMixin compute;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() {
        if (!(tau > 0) || !(temperature > 0) || (featureWeight != null && !(featureWeight >= 0))) {
            throw new org.muki.MukiException("integrate: --tau and --temperature must be positive and --feature-weight not negative");
        }
        var r = Integrate.run(new Integrate.Request(method, teachers, data, scores, start.source(), out, eval, labels, tau, temperature,
                featureWeight, normalization, training.options(), columns.data(), compute.compute(), overwrite.overwrite), CliListener.STDERR);
        var last = r.last();
        System.out.printf("integrate: %s -> %s after %d epochs%s%n", r.method(), out, last.epoch(),
                Double.isNaN(last.evalAccuracy()) ? "" : String.format(", validation accuracy %.4f", last.evalAccuracy()));
        return 0;
    }
}
