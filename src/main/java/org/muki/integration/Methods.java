package org.muki.integration;

import java.util.List;

import org.muki.MukiException;

/** Every integration method by its command-line name. */
public final class Methods {
    public static final List<String> NAMES = List.of(
            "muki-soft", "muki-soft-margin", "muki-soft-margin-norm",
            "muki-hard", "muki-hard-margin", "muki-hard-margin-norm",
            "entropy", "vanilla-kd", "uhc", "oracle", "supervised");
    /** Methods that also read hidden states (made by {@link #createFeature}). */
    public static final List<String> FEATURE_NAMES = List.of("dfa", "cfl");

    public static boolean isFeature(String name) {
        return FEATURE_NAMES.contains(name);
    }

    /** Refuses a name that is no method. */
    public static void check(String name) {
        if (!NAMES.contains(name) && !isFeature(name)) {
            throw new MukiException("unknown method '" + name + "' (choose one of " + String.join(", ", NAMES) + ", "
                    + String.join(", ", FEATURE_NAMES) + ")");
        }
    }

    /** DFA or CFL for teachers of the given hidden widths and a student of width studentWidth. */
    /**
     * The weight of a feature method's feature terms when none is given: dfa 1 (the spec's plain
     * sum); cfl 0.001, since on the WordNet task its MMD term lowered the student's accuracy at
     * every larger weight measured (docs/method.md).
     */
    public static double defaultFeatureWeight(String name) {
        return name.equals("cfl") ? 0.001 : 1.0;
    }

    /** @param featureWeight the feature terms' weight, or null for {@link #defaultFeatureWeight} */
    public static FeatureMethod createFeature(String name, int[] teacherWidths, int studentWidth, double temperature,
                                              Double featureWeight, long seed) {
        double w = featureWeight != null ? featureWeight : defaultFeatureWeight(name);
        return switch (name) {
            case "dfa" -> new Dfa(teacherWidths, studentWidth, temperature, w, seed);
            case "cfl" -> new Cfl(teacherWidths, studentWidth, temperature, w, seed);
            default -> throw new MukiException("'" + name + "' is not a feature method");
        };
    }

    private Methods() {}

    /**
     * @param tau         temperature of the soft teacher weights softmax(s / tau) (spec default 0.2)
     * @param temperature distillation temperature T (spec default 1)
     */
    public static IntegrationMethod create(String name, double tau, double temperature) {
        MukiLoss.Scores mc = MukiLoss.Scores.MC;
        return switch (name) {
            case "muki-soft" -> new MukiLoss(name, MukiLoss.Target.SOFT, mc, MukiLoss.Weighting.NONE, tau, temperature);
            case "muki-soft-margin" -> new MukiLoss(name, MukiLoss.Target.SOFT, mc, MukiLoss.Weighting.REFERENCE, tau, temperature);
            case "muki-soft-margin-norm" -> new MukiLoss(name, MukiLoss.Target.SOFT, mc, MukiLoss.Weighting.NORMALIZED, tau, temperature);
            case "muki-hard" -> new MukiLoss(name, MukiLoss.Target.HARD, mc, MukiLoss.Weighting.NONE, tau, temperature);
            case "muki-hard-margin" -> new MukiLoss(name, MukiLoss.Target.HARD, mc, MukiLoss.Weighting.REFERENCE, tau, temperature);
            case "muki-hard-margin-norm" -> new MukiLoss(name, MukiLoss.Target.HARD, mc, MukiLoss.Weighting.NORMALIZED, tau, temperature);
            // MUKI (soft targets, margin re-weighting) with single-pass entropy scores instead of MC dropout.
            case "entropy" -> new MukiLoss(name, MukiLoss.Target.SOFT, MukiLoss.Scores.ENTROPY, MukiLoss.Weighting.REFERENCE,
                    tau, temperature);
            case "vanilla-kd" -> new VanillaKd(temperature);
            case "uhc" -> new Uhc(temperature);
            case "oracle" -> new MukiLoss(name, MukiLoss.Target.ORACLE, mc, MukiLoss.Weighting.NONE, tau, temperature);
            case "supervised" -> new SupervisedLoss();
            default -> {
                check(name);
                throw new MukiException("'" + name + "' reads hidden states: make it with Methods.createFeature");
            }
        };
    }
}
