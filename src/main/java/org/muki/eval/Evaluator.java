package org.muki.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.muki.MukiException;
import org.muki.data.Example;
import org.muki.integration.IntegrationMethod;
import org.muki.integration.InstanceScores;
import org.muki.integration.LabelSpace;
import org.muki.integration.MukiLoss;
import org.muki.integration.ScoreFile;
import org.muki.integration.Supervision;
import org.muki.integration.Uncertainty;
import org.muki.io.HfCheckpoint;
import org.muki.model.BertModel;
import org.muki.tensor.Ops;
import org.muki.text.WordPieceTokenizer;
import org.muki.train.Batches;
import org.muki.train.Encoded;

/**
 * Everything a run reports on a labelled test split (spec: "Evaluation"): student accuracy over
 * all labels and per teacher block, ECE (15 bins); with the test split's teacher scores,
 * teacher-selection accuracy of MC dropout and of single-pass entropy and the uncertainties for
 * Figure 2; with the gold teacher too, KL(gold || t) of the concat, hard and soft supervision.
 */
public final class Evaluator {
    /** Smoothing of targets before KL to the gold teacher. */
    public static final double KL_EPSILON = 1e-8;

    /**
     * The numbers by name, the uncertainties of the correct and the wrong teachers (Figure 2),
     * and the teacher-selection matrices: for each score kind ("mc", "entropy", with a
     * normalisation suffix "_percentile", "_zscore"), counts[gold block][chosen teacher];
     * perTeacher.get(i) holds teacher i's own {correctSingle, wrongSingle, correctMc, wrongMc}
     * (empty without scores).
     */
    public record Result(Map<String, Double> metrics, double[] correctSingle, double[] wrongSingle, double[] correctMc,
                         double[] wrongMc, Map<String, int[][]> selection, List<double[][]> perTeacher) {}

    private Evaluator() {}

    /** A model's probabilities on examples, columns in `order` (matched by label name). */
    public static double[] probabilities(HfCheckpoint model, java.nio.file.Path dir, Ops ops, List<Example> data, List<String> order,
                                         int maxLength, int batchSize) {
        List<String> own = model.config().labels();
        int[] column = new int[own.size()];
        for (int j = 0; j < own.size(); j++) {
            column[j] = order.indexOf(own.get(j));
            if (column[j] < 0) throw new MukiException("label '" + own.get(j) + "' of the model is not in " + order);
        }
        WordPieceTokenizer tok = model.textTokenizer(dir);
        List<Encoded> enc = Encoded.encode(data, tok, Math.min(maxLength, model.config().maxPositions()), List.of());
        BertModel m = new BertModel(model.config(), model.weights(), ops);
        int c = own.size(), cc = order.size();
        double[] out = new double[data.size() * cc];
        double[] p = new double[c];
        for (int[] positions : Batches.inOrder(enc, batchSize)) {
            float[] logits = m.logits(Encoded.batch(enc, positions));
            for (int b = 0; b < positions.length; b++) {
                Uncertainty.softmax(logits, b * c, c, p, 0);
                for (int j = 0; j < c; j++) out[positions[b] * cc + column[j]] += p[j];
            }
        }
        return out;
    }

    /**
     * @param studentProbs the student's probabilities over space.labels() ([rows, C])
     * @param gold         gold label index in space per row
     * @param scores       the test split's score file, or null
     * @param goldProbs    the gold teacher's probabilities over space.labels(), or null
     */
    public static Result evaluate(List<Example> test, double[] studentProbs, int[] gold, LabelSpace space, ScoreFile scores,
                                  double[] goldProbs, double tau, double temperature) {
        return evaluate(test, studentProbs, gold, space, scores, goldProbs, tau, temperature, Map.of(), null);
    }

    /**
     * @param normalizations per-teacher uncertainty normalisations fitted on the transfer set's
     *                       scores, by name (percentile, zscore): their selection accuracies and
     *                       matrices are reported next to the raw ones
     * @param targets        the normalisation the students' targets used (KL to gold), or null
     */
    public static Result evaluate(List<Example> test, double[] studentProbs, int[] gold, LabelSpace space, ScoreFile scores,
                                  double[] goldProbs, double tau, double temperature,
                                  Map<String, org.muki.integration.UncertaintyNormalization> normalizations,
                                  org.muki.integration.UncertaintyNormalization targets) {
        Map<String, Double> m = new LinkedHashMap<>();
        int c = space.size();
        m.put("accuracy", Metrics.accuracy(studentProbs, c, gold));
        for (int i = 0; i < space.teachers(); i++) {
            m.put("accuracy_block_" + (i + 1), Metrics.blockAccuracy(studentProbs, c, gold, space.blocks()[i]));
        }
        m.put("ece", Metrics.ece(studentProbs, c, gold, 15));
        double[][] fig = new double[4][];
        List<double[][]> perTeacher = new ArrayList<>();
        Map<String, int[][]> selection = new LinkedHashMap<>();
        if (scores != null) {
            List<double[]> mc = new ArrayList<>(), single = new ArrayList<>();
            List<List<List<Double>>> own = new ArrayList<>(); // [teacher][correctSingle, wrongSingle, correctMc, wrongMc]
            for (int i = 0; i < space.teachers(); i++) own.add(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
            for (int b = 0; b < test.size(); b++) {
                InstanceScores s = scores.get(test.get(b).id());
                mc.add(s.mcScores());
                single.add(s.entropyScores());
                List<Integer> right = space.teachersOf(gold[b]);
                for (int i = 0; i < s.teachers(); i++) {
                    boolean correct = right.contains(i);
                    own.get(i).get(correct ? 0 : 1).add(s.entropyUncertainty()[i]);
                    own.get(i).get(correct ? 2 : 3).add(s.mcUncertainty()[i]);
                }
            }
            m.put("selection_accuracy_mc", Metrics.selectionAccuracy(mc, gold, space));
            m.put("selection_accuracy_entropy", Metrics.selectionAccuracy(single, gold, space));
            selection.put("mc", Metrics.selectionMatrix(mc, gold, space));
            selection.put("entropy", Metrics.selectionMatrix(single, gold, space));
            for (var e : normalizations.entrySet()) {
                List<double[]> nmc = new ArrayList<>(), nsingle = new ArrayList<>();
                for (Example x : test) {
                    InstanceScores ns = e.getValue().apply(scores.get(x.id()));
                    nmc.add(ns.mcScores());
                    nsingle.add(ns.entropyScores());
                }
                m.put("selection_accuracy_mc_" + e.getKey(), Metrics.selectionAccuracy(nmc, gold, space));
                m.put("selection_accuracy_entropy_" + e.getKey(), Metrics.selectionAccuracy(nsingle, gold, space));
                selection.put("mc_" + e.getKey(), Metrics.selectionMatrix(nmc, gold, space));
                selection.put("entropy_" + e.getKey(), Metrics.selectionMatrix(nsingle, gold, space));
            }
            // The teachers alone: predict with the chosen teacher's argmax (its deterministic pass).
            double[] byMc = new double[test.size() * c], byEntropy = new double[test.size() * c], byOracle = new double[test.size() * c];
            for (int b = 0; b < test.size(); b++) {
                InstanceScores s = scores.get(test.get(b).id());
                int[] chosen = {Supervision.argmax(mc.get(b)), Supervision.argmax(single.get(b)), space.teachersOf(gold[b]).get(0)};
                double[][] into = {byMc, byEntropy, byOracle};
                for (int k = 0; k < 3; k++) {
                    double[] p = Supervision.padded(s, chosen[k], space, 1.0);
                    System.arraycopy(p, 0, into[k], b * c, c);
                }
            }
            m.put("teachers_accuracy_mc_choice", Metrics.accuracy(byMc, c, gold));
            m.put("teachers_accuracy_entropy_choice", Metrics.accuracy(byEntropy, c, gold));
            m.put("teachers_accuracy_oracle_choice", Metrics.accuracy(byOracle, c, gold));
            for (List<List<Double>> t : own) perTeacher.add(t.stream().map(Evaluator::unbox).toArray(double[][]::new));
            // Figure 2 pools the teachers: each of the four kinds over all teachers.
            for (int j = 0; j < 4; j++) {
                int kind = j;
                fig[j] = perTeacher.stream().flatMapToDouble(u -> java.util.Arrays.stream(u[kind])).toArray();
            }
            if (goldProbs != null) {
                List<double[]> g = new ArrayList<>(), concat = new ArrayList<>(), hard = new ArrayList<>(), soft = new ArrayList<>();
                MukiLoss hardLoss = new MukiLoss("muki-hard", MukiLoss.Target.HARD, MukiLoss.Scores.MC, MukiLoss.Weighting.NONE, tau, temperature);
                MukiLoss softLoss = new MukiLoss("muki-soft", MukiLoss.Target.SOFT, MukiLoss.Scores.MC, MukiLoss.Weighting.NONE, tau, temperature);
                for (int b = 0; b < test.size(); b++) {
                    g.add(java.util.Arrays.copyOfRange(goldProbs, b * c, (b + 1) * c));
                    InstanceScores s = scores.get(test.get(b).id());
                    if (targets != null) s = targets.apply(s);
                    IntegrationMethod.Instance x = new IntegrationMethod.Instance(s, gold[b]);
                    concat.add(Supervision.concat(s, space, temperature));
                    hard.add(hardLoss.target(x, space));
                    soft.add(softLoss.target(x, space));
                }
                m.put("kl_gold_concat", Metrics.klToGold(g, concat, KL_EPSILON));
                m.put("kl_gold_hard", Metrics.klToGold(g, hard, KL_EPSILON));
                m.put("kl_gold_soft", Metrics.klToGold(g, soft, KL_EPSILON));
                m.put("gold_teacher_accuracy", Metrics.accuracy(goldProbs, c, gold));
            }
        }
        return new Result(m, fig[0], fig[1], fig[2], fig[3], selection, perTeacher);
    }

    private static double[] unbox(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
