package org.muki.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import org.muki.MukiException;

/** The run's pictures, drawn with XChart into PNG files. */
public final class Charts {
    private Charts() {}

    /**
     * The paper's Figure 2: distribution of the normalised uncertainty of the correct teacher
     * versus the wrong teachers, single deterministic pass (left) versus MC dropout (right).
     */
    public static void uncertaintyHistograms(Path file, double[] correctSingle, double[] wrongSingle, double[] correctMc,
                                             double[] wrongMc) {
        int bins = 20;
        XYChart left = histogram("Single pass (entropy)", bins, correctSingle, wrongSingle);
        XYChart right = histogram("MC dropout", bins, correctMc, wrongMc);
        save(file, List.of(left, right), 1, 2);
    }

    private static XYChart histogram(String title, int bins, double[] correct, double[] wrong) {
        XYChart chart = new XYChartBuilder().width(560).height(400).title(title)
                .xAxisTitle("normalised uncertainty").yAxisTitle("fraction of instances").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0);
        double[] x = new double[bins + 1];
        for (int i = 0; i <= bins; i++) x[i] = i / (double) bins;
        chart.addSeries("correct teacher", x, fractions(correct, bins)).setMarker(SeriesMarkers.NONE);
        chart.addSeries("wrong teacher", x, fractions(wrong, bins)).setMarker(SeriesMarkers.NONE);
        return chart;
    }

    /** Histogram fractions over [0, 1] with the last value repeated, as a step line needs. */
    static double[] fractions(double[] values, int bins) {
        double[] f = new double[bins + 1];
        for (double v : values) f[Math.min(bins - 1, Math.max(0, (int) (v * bins)))]++;
        for (int i = 0; i < bins; i++) f[i] /= Math.max(1, values.length);
        f[bins] = f[bins - 1];
        return f;
    }

    /** One line per series (e.g. each method's eval accuracy by epoch). */
    public static void curves(Path file, String title, String yTitle, Map<String, double[]> series) {
        XYChart chart = new XYChartBuilder().width(720).height(440).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        for (var e : series.entrySet()) {
            double[] y = e.getValue();
            double[] x = new double[y.length];
            for (int i = 0; i < y.length; i++) x[i] = i + 1;
            chart.addSeries(e.getKey(), x, y);
        }
        save(file, List.of(chart), 1, 1);
    }

    /**
     * The paper's Figure 2 for each teacher on its own: rows are teachers, columns the single
     * pass and MC dropout; "correct" are the rows whose gold label is in the teacher's block.
     *
     * @param perTeacher per teacher {correctSingle, wrongSingle, correctMc, wrongMc}
     * @param names      the teachers' names (e.g. "teacher 1: person, animal, ...")
     */
    public static void uncertaintyPerTeacher(Path file, List<double[][]> perTeacher, List<String> names) {
        List<XYChart> charts = new ArrayList<>();
        for (int i = 0; i < perTeacher.size(); i++) {
            double[][] u = perTeacher.get(i);
            charts.add(histogram(names.get(i) + ", single pass", 20, u[0], u[1]));
            charts.add(histogram(names.get(i) + ", MC dropout", 20, u[2], u[3]));
        }
        for (XYChart c : charts) {
            c.getStyler().setChartTitleFont(c.getStyler().getChartTitleFont().deriveFont(13f));
            c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
            c.getSeriesMap().get("correct teacher").setLabel("rows of its own block");
            c.getSeriesMap().get("wrong teacher").setLabel("rows of other blocks");
        }
        save(file, charts, perTeacher.size(), 2);
    }

    /**
     * Teacher selection as heat maps: for each gold block (rows) the share of its test rows whose
     * chosen teacher is each teacher (columns); one panel per score kind (columns: MC dropout,
     * single-pass entropy) and normalisation present (rows: none, percentile, z-score).
     *
     * @param selection counts[gold block][chosen] by kind ("mc", "entropy", suffixed "_percentile", "_zscore")
     */
    public static void selectionMatrices(Path file, Map<String, int[][]> selection, List<String> blocks) {
        List<HeatMapChart> charts = new ArrayList<>();
        int rows = 0;
        for (String norm : List.of("", "_percentile", "_zscore")) {
            if (!selection.containsKey("mc" + norm)) continue;
            rows++;
            for (String kind : List.of("mc", "entropy")) {
                int[][] m = selection.get(kind + norm);
                int total = 0, right = 0;
                for (int g = 0; g < m.length; g++) for (int t = 0; t < m.length; t++) {
                    total += m[g][t];
                    if (g == t) right += m[g][t];
                }
                String title = String.format("%s, %s: %.1f%% chosen right", kind.equals("mc") ? "MC dropout" : "single-pass entropy",
                        norm.isEmpty() ? "raw" : norm.substring(1), 100.0 * right / Math.max(1, total));
                charts.add(shares(title, m, blocks, blocks, "chosen teacher", "gold label's block (its teacher)", 1));
            }
        }
        save(file, charts, rows, 2);
    }

    /** The student's confusion matrix, each gold row as percentages of its rows. */
    public static void confusion(Path file, String title, int[][] counts, List<String> labels) {
        HeatMapChart chart = shares(title, counts, labels, labels, "predicted label", "gold label", 0);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(15f));
        save(file, List.of(chart), 1, 1);
    }

    /** A heat map of row percentages, values printed in the cells; row 0 at the top. */
    private static HeatMapChart shares(String title, int[][] counts, List<String> xNames, List<String> yNames, String xTitle, String yTitle,
                                       int decimals) {
        int n = counts.length, cells = counts[0].length;
        int size = Math.max(460, 60 * cells + 220);
        HeatMapChart chart = new HeatMapChartBuilder().width(size).height(size - 40).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        styleShares(chart, decimals);
        List<Number[]> heat = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            int total = Arrays.stream(counts[g]).sum();
            for (int t = 0; t < cells; t++) {
                double v = total == 0 ? 0 : 100.0 * counts[g][t] / total;
                heat.add(new Number[] {t, n - 1 - g, v}); // y runs bottom-up: first gold row drawn at the top
            }
        }
        List<String> ys = new ArrayList<>(yNames);
        java.util.Collections.reverse(ys);
        chart.addSeries("% of the gold row", xNames, ys, heat);
        return chart;
    }

    /** Heat map styling shared by the selection and confusion pictures. */
    private static void styleShares(HeatMapChart chart, int decimals) {
        var st = chart.getStyler();
        st.setShowValue(true);
        st.setMin(0).setMax(100);
        st.setHeatMapValueDecimalPattern(decimals == 0 ? "0" : "0." + "0".repeat(decimals));
        st.setRangeColors(new Color[] {new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x08306B)});
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setXAxisLabelRotation(30);
        st.setPlotContentSize(0.95);
    }

    /**
     * A reliability diagram from ECE's bins: each bin's accuracy at its mean confidence against
     * the diagonal of perfect calibration (left), and the rows per bin (right).
     */
    public static void reliability(Path file, String title, Metrics.Reliability r, double ece) {
        int bins = r.count().length;
        List<Double> x = new ArrayList<>(), y = new ArrayList<>();
        for (int k = 0; k < bins; k++) {
            if (r.count()[k] == 0) continue;
            x.add(r.confidence()[k]);
            y.add(r.accuracy()[k]);
        }
        XYChart left = new XYChartBuilder().width(560).height(440).title(String.format("%s (ECE %.3f)", title, ece))
                .xAxisTitle("confidence (top probability)").yAxisTitle("accuracy").build();
        left.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
        left.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        left.addSeries("perfect calibration", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE)
                .setLineColor(Color.GRAY);
        if (!x.isEmpty()) left.addSeries("bins with rows", x, y).setMarker(SeriesMarkers.CIRCLE);
        CategoryChart right = new CategoryChartBuilder().width(560).height(440).title("rows per confidence bin")
                .xAxisTitle("confidence bin (lower edge)").yAxisTitle("rows").build();
        right.getStyler().setLegendVisible(false);
        right.getStyler().setXAxisLabelRotation(45);
        List<String> edges = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (int k = 0; k < bins; k++) {
            edges.add(String.format("%.2f", k / (double) bins));
            counts.add(r.count()[k]);
        }
        right.addSeries("rows", edges, counts);
        save(file, List.of(left, right), 1, 2);
    }

    /**
     * Accuracy per method, mean over seeds with one standard deviation as error bars (none with
     * one seed); a dashed line at the majority class's share when given.
     */
    public static void accuracyByMethod(Path file, String title, Map<String, double[]> accuracies) {
        List<String> names = new ArrayList<>(accuracies.keySet());
        List<Double> mean = new ArrayList<>(), sd = new ArrayList<>();
        boolean bars = false;
        for (double[] a : accuracies.values()) {
            double m = Arrays.stream(a).average().orElse(Double.NaN), v = 0;
            for (double x : a) v += (x - m) * (x - m);
            mean.add(m);
            sd.add(a.length > 1 ? Math.sqrt(v / (a.length - 1)) : 0.0);
            bars |= a.length > 1;
        }
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(640, 70 * names.size() + 160)).height(460).title(title)
                .xAxisTitle("method").yAxisTitle("accuracy on the test sample").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(35);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        chart.getStyler().setLabelsVisible(true).setLabelsFontColorAutomaticEnabled(false).setLabelsFontColor(Color.BLACK);
        chart.getStyler().setLabelsPosition(0.5);
        chart.getStyler().setLabelsFont(chart.getStyler().getLabelsFont().deriveFont(11f));
        chart.getStyler().setYAxisDecimalPattern("0.00");
        if (bars) chart.addSeries("accuracy", names, mean, sd);
        else chart.addSeries("accuracy", names, mean);
        save(file, List.of(chart), 1, 1);
    }

    private static void save(Path file, List<? extends Chart<?, ?>> charts, int rows, int cols) {
        System.setProperty("java.awt.headless", "true");
        String name = file.toString();
        if (!name.endsWith(".png")) throw new IllegalArgumentException("charts are PNG files: " + file);
        try {
            @SuppressWarnings("unchecked")
            List<Chart> raw = (List<Chart>) (List<?>) charts;
            BitmapEncoder.saveBitmap(raw, rows, cols, name.substring(0, name.length() - 4), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new MukiException(file + ": cannot write (" + e.getMessage() + ")");
        }
    }
}
