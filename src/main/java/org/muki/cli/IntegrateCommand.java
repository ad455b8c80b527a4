package org.muki.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.integration.IntegrationMethod;
import org.muki.integration.LabelSpace;
import org.muki.integration.Methods;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.io.Json;
import org.muki.train.Encoded;
import org.muki.train.Trainer;

/**
 * ./muki integrate: trains a student over the union of the teachers' labels with one integration
 * method's loss, from the teachers' stored scores; no gold labels are read except by oracle and
 * supervised. An --eval split, when given, is labelled validation data: its per-epoch accuracy is
 * reported as model-selection information, and the saved student is the last epoch's.
 */
final class IntegrateCommand {
    private IntegrateCommand() {}

    static int run(String[] argv) {
        Set<String> options = new HashSet<>(Fitting.OPTIONS);
        options.addAll(TrainCommand.DATA_OPTIONS);
        options.addAll(Set.of("method", "teachers", "data", "scores", "eval", "labels", "tau", "temperature"));
        Set<String> flags = new HashSet<>(Fitting.FLAGS);
        flags.add("skip-bad-rows");
        Args args = Args.parse("integrate", argv, 1, options, flags);
        Fitting.checkOut("integrate", args);
        double tau = args.number("tau", 0.2, 1e-6, 1e6), temperature = args.number("temperature", 1.0, 1e-6, 1e6);
        IntegrationMethod method = Methods.create(args.required("method"), tau, temperature);
        Trainer.Options o = Fitting.options(args, 1e-4);

        List<Teacher> teachers = ScoreCommand.teachers(args.required("teachers"));
        Path dataFile = Path.of(args.required("data"));
        ScoreFile scores = ScoreFile.read(Path.of(args.required("scores")));
        scores.check(teachers, dataFile);
        LabelSpace space = LabelSpace.of(teachers.stream().map(Teacher::labels).toList(),
                args.flag("labels") ? TrainCommand.labelList("integrate", args.required("labels")) : null);
        List<String> labels = space.labels();
        Dataset data = Dataset.read(dataFile, TrainCommand.columns(args),
                method.needsLabels() ? Dataset.Labels.REQUIRED : Dataset.Labels.OPTIONAL, args.flag("skip-bad-rows"));
        TrainCommand.report(data);
        List<Example> transfer = data.examples();
        if (method.needsLabels()) transfer = TrainCommand.inBlock(data, labels, "transfer");

        Fitting.Start start = Fitting.start("integrate", args, labels, o.seed());
        // The student never sees the transfer set's labels unless the method is an upper bound.
        List<Encoded> train = start.encode(method.needsLabels() ? transfer : unlabelled(transfer), labels);
        List<Encoded> eval = List.of();
        if (args.flag("eval")) {
            Dataset evalSet = Dataset.read(Path.of(args.required("eval")), TrainCommand.columns(args), Dataset.Labels.REQUIRED,
                    args.flag("skip-bad-rows"));
            eval = start.encode(TrainCommand.inBlock(evalSet, labels, "evaluation"), labels);
        }
        List<IntegrationMethod.Instance> instances = new ArrayList<>(transfer.size());
        for (int i = 0; i < transfer.size(); i++) {
            Example e = transfer.get(i);
            instances.add(new IntegrationMethod.Instance(scores.get(e.id()), train.get(i).label()));
        }
        Trainer.Objective objective = (positions, logits) -> {
            List<IntegrationMethod.Instance> batch = new ArrayList<>(positions.length);
            for (int p : positions) batch.add(instances.get(p));
            return method.loss(logits, batch, space);
        };
        System.err.printf("muki: integrating %d teachers (%d labels) into a student with %s on %d transfer rows%n",
                teachers.size(), labels.size(), method.name(), train.size());
        var log = Json.MAPPER.createObjectNode().put("method", method.name()).put("tau", tau).put("temperature", temperature)
                .put("scores", args.required("scores")).put("model_selection_on_eval", false);
        List<Trainer.Epoch> epochs = Fitting.fit(args, start, o, labels, train, eval, objective,
                method.name() + "|" + tau + "|" + temperature + "|" + scores.header(), log);
        Trainer.Epoch last = epochs.get(epochs.size() - 1);
        System.out.printf("integrate: %s -> %s after %d epochs%s%n", method.name(), args.required("out"), last.epoch(),
                Double.isNaN(last.evalAccuracy()) ? "" : String.format(", validation accuracy %.4f", last.evalAccuracy()));
        return 0;
    }

    private static List<Example> unlabelled(List<Example> examples) {
        return examples.stream().map(e -> new Example(e.id(), e.text(), e.textPair(), null)).toList();
    }
}
