package org.muki.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.muki.Listener;
import org.muki.data.Dataset;
import org.muki.data.Example;
import org.muki.integration.FeatureMethod;
import org.muki.integration.InstanceScores;
import org.muki.integration.IntegrationMethod;
import org.muki.integration.LabelSpace;
import org.muki.integration.Methods;
import org.muki.integration.ScoreFile;
import org.muki.integration.Teacher;
import org.muki.integration.UncertaintyNormalization;
import org.muki.io.HfCheckpoint;
import org.muki.io.Json;
import org.muki.io.Pretrained;
import org.muki.model.Batch;
import org.muki.model.BertModel;
import org.muki.model.HostTensor;
import org.muki.tensor.Ops;
import org.muki.train.Batches;
import org.muki.train.Encoded;
import org.muki.train.Trainer;

/**
 * Trains a student over the union of the teachers' labels with one integration method's loss,
 * from the teachers' stored scores of the transfer set; no gold label is read except by oracle
 * and supervised (upper bounds). A validation split, when given, is labelled data whose
 * per-epoch accuracy is logged (model-selection information); the saved student is the last
 * epoch's.
 */
public final class Integrate {
    private Integrate() {}

    /**
     * @param labelOrder     the student's label order, or null for the sorted union
     * @param normalization  none, percentile or zscore: per-teacher normalisation of the
     *                       uncertainties, fitted on these (transfer) scores
     * @param featureWeight  weight of dfa's and cfl's feature terms, or null for the method's default
     */
    public record Request(String method, List<String> teachers, Path data, Path scores, ModelSource student, Path out, Path eval,
                          List<String> labelOrder, double tau, double temperature, Double featureWeight, String normalization,
                          TrainOptions options, DataOptions dataOptions, Compute compute, boolean overwrite) {
        /** tau 0.2, temperature 1, feature weight 1, no normalisation, no validation data, default training and compute. */
        public static Request of(String method, List<String> teachers, Path data, Path scores, ModelSource student, Path out) {
            return new Request(method, teachers, data, scores, student, out, null, null, 0.2, 1.0, null, "percentile", TrainOptions.defaults(),
                    DataOptions.defaults(), Compute.defaults(), false);
        }

        public Request withNormalization(String n) {
            return new Request(method, teachers, data, scores, student, out, eval, labelOrder, tau, temperature, featureWeight, n, options,
                    dataOptions, compute, overwrite);
        }

        public Request withOptions(TrainOptions o) {
            return new Request(method, teachers, data, scores, student, out, eval, labelOrder, tau, temperature, featureWeight, normalization, o,
                    dataOptions, compute, overwrite);
        }

        public Request withCompute(Compute c) {
            return new Request(method, teachers, data, scores, student, out, eval, labelOrder, tau, temperature, featureWeight, normalization,
                    options, dataOptions, c, overwrite);
        }
    }

    public record Result(Path out, String method, List<Trainer.Epoch> epochs, int transferRows) {
        public Trainer.Epoch last() {
            return epochs.get(epochs.size() - 1);
        }
    }

    /** The weight of the feature terms this request trains with (the method's default when none is given). */
    static double featureWeight(Request r) {
        return r.featureWeight() != null ? r.featureWeight() : Methods.defaultFeatureWeight(r.method());
    }

    public static Result run(Request r, Listener listener) {
        Fit.checkOut(r.out(), r.overwrite());
        Methods.check(r.method());
        UncertaintyNormalization.Kind kind = UncertaintyNormalization.kind(r.normalization());
        List<Teacher> teachers = Score.teachers(r.teachers(), listener);
        IntegrationMethod method = Methods.isFeature(r.method())
                ? Methods.createFeature(r.method(), teachers.stream().mapToInt(t -> t.checkpoint().config().hiddenSize()).toArray(),
                        studentWidth(r.student(), listener), r.temperature(), r.featureWeight(), r.options().seed())
                : Methods.create(r.method(), r.tau(), r.temperature());
        ScoreFile scores = ScoreFile.read(r.scores());
        scores.check(teachers, r.data());
        UncertaintyNormalization norm = UncertaintyNormalization.fit(kind, scores.instances().values());
        LabelSpace space = LabelSpace.of(teachers.stream().map(Teacher::labels).toList(), r.labelOrder() == null ? null
                : Train.distinct(r.labelOrder()));
        List<String> labels = space.labels();
        Dataset data = r.dataOptions().read(r.data(), method.needsLabels() ? Dataset.Labels.REQUIRED : Dataset.Labels.OPTIONAL, listener);
        List<Example> transfer = data.examples();
        if (method.needsLabels()) transfer = Fit.inBlock(data, labels, "transfer", listener);

        Fit.Start start = Fit.start(r.student(), labels, r.options().seed(), r.options().maxLength(), listener);
        // The student never sees the transfer set's labels unless the method is an upper bound.
        List<Encoded> train = start.encode(method.needsLabels() ? transfer : unlabelled(transfer), labels);
        int cut = Encoded.truncatedCount(train);
        if (cut > 0) listener.info(String.format("%d of %d transfer texts truncated to %d word pieces", cut, train.size(), start.maxLength()));
        List<Encoded> eval = List.of();
        if (r.eval() != null) {
            Dataset evalSet = r.dataOptions().read(r.eval(), Dataset.Labels.REQUIRED, listener);
            eval = start.encode(Fit.inBlock(evalSet, labels, "evaluation", listener), labels);
        }
        List<IntegrationMethod.Instance> instances = new ArrayList<>(transfer.size());
        for (int i = 0; i < transfer.size(); i++) {
            InstanceScores s = norm.apply(scores.get(transfer.get(i).id()));
            instances.add(new IntegrationMethod.Instance(s, train.get(i).label()));
        }
        Trainer.Objective objective = method instanceof FeatureMethod fm
                ? featureObjective(fm, instances, teacherFeatures(teachers, transfer, r.compute()), space, start.config().hiddenSize())
                : (positions, batch, logits, hidden) -> {
                    List<IntegrationMethod.Instance> rows = new ArrayList<>(positions.length);
                    for (int p : positions) rows.add(instances.get(p));
                    var loss = method.loss(logits, rows, space);
                    return new Trainer.Objective.Step(loss.loss(), loss.dLogits(), null);
                };
        listener.info(String.format("integrating %d teachers (%d labels) into a student with %s on %d transfer rows%s", teachers.size(),
                labels.size(), method.name(), train.size(), kind == UncertaintyNormalization.Kind.NONE ? ""
                        : ", uncertainties normalised per teacher (" + r.normalization() + ")"));
        var log = Json.MAPPER.createObjectNode().put("method", method.name()).put("tau", r.tau()).put("temperature", r.temperature())
                .put("feature_weight", featureWeight(r)).put("uncertainty_normalization", kind.name().toLowerCase(java.util.Locale.ROOT))
                .put("scores", r.scores().toString()).put("model_selection_on_eval", false);
        List<Trainer.Epoch> epochs = Fit.fit(r.out(), r.overwrite(), start, r.options(), labels, train, eval, objective,
                method.name() + "|" + r.tau() + "|" + r.temperature() + "|" + featureWeight(r) + "|" + kind + "|" + scores.header(), log,
                r.compute(), listener);
        return new Result(r.out(), method.name(), epochs, train.size());
    }

    private static int studentWidth(ModelSource s, Listener listener) {
        if (s instanceof ModelSource.Fresh f) return HfCheckpoint.readConfig(f.config(), List.of()).hiddenSize();
        return HfCheckpoint.load(Pretrained.resolve(((ModelSource.Checkpoint) s).dirOrName(), listener::info)).config().hiddenSize();
    }

    /** Each teacher's last hidden states of every transfer instance, mean-pooled over its tokens. */
    static List<float[][]> teacherFeatures(List<Teacher> teachers, List<Example> transfer, Compute compute) {
        int n = teachers.size();
        List<float[][]> out = new ArrayList<>(transfer.size());
        for (int i = 0; i < transfer.size(); i++) out.add(new float[n][]);
        try (Ops ops = compute.open()) {
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

    private static Trainer.Objective featureObjective(FeatureMethod fm, List<IntegrationMethod.Instance> instances, List<float[][]> features,
                                                      LabelSpace space, int width) {
        return new Trainer.Objective() {
            @Override
            public Step loss(int[] positions, Batch batch, float[] logits, Supplier<float[]> hidden) {
                List<IntegrationMethod.Instance> rows = new ArrayList<>(positions.length);
                List<float[][]> teacherRows = new ArrayList<>(positions.length);
                for (int p : positions) {
                    rows.add(instances.get(p));
                    teacherRows.add(features.get(p));
                }
                int b = batch.size(), t = batch.seqLen();
                float[] pooled = FeatureMethod.meanPool(hidden.get(), batch.attentionMask(), b, t, width);
                FeatureMethod.Result res = fm.loss(logits, pooled, rows, teacherRows, space);
                return new Step(res.loss(), res.dLogits(), FeatureMethod.meanPoolBackward(res.dPooled(), batch.attentionMask(), b, t, width));
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
            public Map<String, HostTensor> state() {
                return fm.state();
            }

            @Override
            public void restore(Map<String, HostTensor> state) {
                fm.restore(state);
            }
        };
    }

    private static List<Example> unlabelled(List<Example> examples) {
        return examples.stream().map(e -> new Example(e.id(), e.text(), e.textPair(), null)).toList();
    }
}
