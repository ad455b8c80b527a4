package org.muki.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
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

    private static void save(Path file, List<XYChart> charts, int rows, int cols) {
        System.setProperty("java.awt.headless", "true");
        String name = file.toString();
        if (!name.endsWith(".png")) throw new IllegalArgumentException("charts are PNG files: " + file);
        try {
            BitmapEncoder.saveBitmap(charts, rows, cols, name.substring(0, name.length() - 4), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new MukiException(file + ": cannot write (" + e.getMessage() + ")");
        }
    }
}
