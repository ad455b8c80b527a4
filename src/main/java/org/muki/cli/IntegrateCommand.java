package org.muki.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.muki.MukiException;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.integration.FeatureMethod;
import org.muki.integration.IntegrationMethod;
import org.muki.integration.LabelSpace;
import org.muki.integration.Methods;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.io.Json;
import org.muki.model.Batch;
import org.muki.model.BertModel;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;
import org.muki.train.Batches;
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
        options.addAll(Set.of("method", "teachers", "data", "scores", "eval", "labels", "tau", "temperature", "feature-weight"));
        Set<String> flags = new HashSet<>(Fitting.FLAGS);
        flags.add("skip-bad-rows");
        Args args = Args.parse("integrate", argv, 1, options, flags);
        Fitting.checkOut("integrate", args);
        double tau = args.number("tau", 0.2, 1e-6, 1e6), temperature = args.number("temperature", 1.0, 1e-6, 1e6);
        String methodName = args.required("method");
        Methods.check(methodName);
        Trainer.Options o = Fitting.options(args, 1e-4);

        List<Teacher> teachers = ScoreCommand.teachers(args.required("teachers"));
        IntegrationMethod method = Methods.isFeature(methodName)
                ? Methods.createFeature(methodName, teachers.stream().mapToInt(t -> t.checkpoint().config().hiddenSize()).toArray(),
                        studentWidth(args), temperature, args.number("feature-weight", 1.0, 0, 1e6), o.seed())
                : Methods.create(methodName, tau, temperature);
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
        int cut = Encoded.truncatedCount(train);
        if (cut > 0) System.err.printf("muki: %d of %d transfer texts truncated to --max-length %d%n", cut, train.size(), start.maxLength());
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
        Trainer.Objective objective = method instanceof FeatureMethod fm
                ? featureObjective(fm, instances, transfer, teacherFeatures(teachers, transfer, args), space, start.config().hiddenSize())
                : (positions, batch, logits, hidden) -> {
                    List<IntegrationMethod.Instance> rows = new ArrayList<>(positions.length);
                    for (int p : positions) rows.add(instances.get(p));
                    var r = method.loss(logits, rows, space);
                    return new Trainer.Objective.Step(r.loss(), r.dLogits(), null);
                };
        System.err.printf("muki: integrating %d teachers (%d labels) into a student with %s on %d transfer rows%n",
                teachers.size(), labels.size(), method.name(), train.size());
        var log = Json.MAPPER.createObjectNode().put("method", method.name()).put("tau", tau).put("temperature", temperature)
                .put("feature_weight", args.number("feature-weight", 1.0, 0, 1e6))
                .put("scores", args.required("scores")).put("model_selection_on_eval", false);
        List<Trainer.Epoch> epochs = Fitting.fit(args, start, o, labels, train, eval, objective,
                method.name() + "|" + tau + "|" + temperature + "|" + args.string("feature-weight", "1") + "|" + scores.header(), log);
        Trainer.Epoch last = epochs.get(epochs.size() - 1);
        System.out.printf("integrate: %s -> %s after %d epochs%s%n", method.name(), args.required("out"), last.epoch(),
                Double.isNaN(last.evalAccuracy()) ? "" : String.format(", validation accuracy %.4f", last.evalAccuracy()));
        return 0;
    }

    private static int studentWidth(Args args) {
        if (args.flag("config")) return org.muki.io.HfCheckpoint.readConfig(Path.of(args.required("config")), List.of()).hiddenSize();
        return org.muki.io.HfCheckpoint.load(org.muki.io.Pretrained.resolve(args.required("init"), CliLog::line)).config().hiddenSize();
    }

    /** Each teacher's last hidden states of every transfer instance, mean-pooled over its tokens. */
    static List<float[][]> teacherFeatures(List<Teacher> teachers, List<Example> transfer, Args args) {
        int n = teachers.size();
        List<float[][]> out = new ArrayList<>(transfer.size());
        for (int i = 0; i < transfer.size(); i++) out.add(new float[n][]);
        try (Ops ops = Backends.create(args.string("backend", "java"), args.integer("threads", Runtime.getRuntime().availableProcessors(), 1))) {
            for (int i = 0; i < n; i++) {
                Teacher t = teachers.get(i);
                var cfg = t.checkpoint().config();
                BertModel model = new BertModel(cfg, t.checkpoint().weights(), ops);
                List<Encoded> enc = Encoded.encode(transfer, t.tokenizer(), Math.min(128, cfg.maxPositions()), List.of());
                for (int[] positions : Batches.inOrder(enc, 64)) {
                    Batch batch = Encoded.batch(enc, positions);
                    float[] pooled = FeatureMethod.meanPool(model.hiddenStates(batch), batch.attentionMask(), batch.size(), batch.seqLen(),
                            cfg.hiddenSize());
                    for (int b = 0; b < positions.length; b++) {
                        out.get(positions[b])[i] = java.util.Arrays.copyOfRange(pooled, b * cfg.hiddenSize(), (b + 1) * cfg.hiddenSize());
                    }
                }
            }
        }
        return out;
    }

    private static Trainer.Objective featureObjective(FeatureMethod fm, List<IntegrationMethod.Instance> instances, List<Example> transfer,
                                                      List<float[][]> features, LabelSpace space, int width) {
        return new Trainer.Objective() {
            @Override
            public Step loss(int[] positions, Batch batch, float[] logits, java.util.function.Supplier<float[]> hidden) {
                List<IntegrationMethod.Instance> rows = new ArrayList<>(positions.length);
                List<float[][]> teacherRows = new ArrayList<>(positions.length);
                for (int p : positions) {
                    rows.add(instances.get(p));
                    teacherRows.add(features.get(p));
                }
                int b = batch.size(), t = batch.seqLen();
                float[] pooled = FeatureMethod.meanPool(hidden.get(), batch.attentionMask(), b, t, width);
                FeatureMethod.Result r = fm.loss(logits, pooled, rows, teacherRows, space);
                return new Step(r.loss(), r.dLogits(), FeatureMethod.meanPoolBackward(r.dPooled(), batch.attentionMask(), b, t, width));
            }

            @Override
            public boolean needsHiddenStates() {
                return true;
            }

            @Override
            public void update(float lr, int step) {
                fm.update(lr, step);
            }

            @Override
            public java.util.Map<String, org.muki.model.HostTensor> state() {
                return fm.state();
            }

            @Override
            public void restore(java.util.Map<String, org.muki.model.HostTensor> state) {
                fm.restore(state);
            }
        };
    }

    private static List<Example> unlabelled(List<Example> examples) {
        return examples.stream().map(e -> new Example(e.id(), e.text(), e.textPair(), null)).toList();
    }
}
