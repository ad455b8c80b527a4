package org.muki.integration;

import java.util.List;

import org.muki.MukiException;

/** Every integration method by its command-line name. */
public final class Methods {
    public static final List<String> NAMES = List.of(
            "muki-soft", "muki-soft-margin", "muki-soft-margin-norm",
            "muki-hard", "muki-hard-margin", "muki-hard-margin-norm",
            "entropy", "vanilla-kd", "uhc", "oracle", "supervised");

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
            default -> throw new MukiException("unknown method '" + name + "' (choose one of " + String.join(", ", NAMES) + ")");
        };
    }
}
