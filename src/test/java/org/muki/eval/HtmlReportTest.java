package org.muki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import org.muki.MukiException;

/** report.html: well-formed, self-contained, every picture decodes; the pictures come from the numbers given. */
public class HtmlReportTest {

    /**
     * Parses the page as XML (it fails on any unclosed element or unescaped text), checks that
     * nothing is loaded from outside the file and that every image decodes to a picture of
     * reasonable size; returns the images' alt texts.
     */
    public static List<String> checkSelfContained(Path html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document doc = f.newDocumentBuilder().parse(html.toFile());
        assertEquals("html", doc.getDocumentElement().getLocalName());
        for (String tag : new String[] {"script", "link", "iframe"}) {
            assertEquals(0, doc.getElementsByTagNameNS("*", tag).getLength(), tag + " in " + html);
        }
        NodeList imgs = doc.getElementsByTagNameNS("*", "img");
        List<String> alts = new ArrayList<>();
        for (int i = 0; i < imgs.getLength(); i++) {
            Element img = (Element) imgs.item(i);
            String src = img.getAttribute("src");
            assertTrue(src.startsWith("data:image/png;base64,"), "embedded, not linked: " + src.substring(0, Math.min(60, src.length())));
            BufferedImage picture = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1))));
            assertNotNull(picture, "image " + i + " (" + img.getAttribute("alt") + ") does not decode");
            assertTrue(picture.getWidth() >= 300 && picture.getHeight() >= 200, img.getAttribute("alt") + ": " + picture.getWidth() + "x"
                    + picture.getHeight());
            assertFalse(img.getAttribute("alt").isBlank(), "every picture has a caption");
            alts.add(img.getAttribute("alt"));
        }
        return alts;
    }

    /** Markdown picture links in report.md: each must be embedded in report.html. */
    public static List<String> linkedPictures(String markdown) {
        List<String> files = new ArrayList<>();
        Matcher m = Pattern.compile("!\\[[^\\]]*]\\(([^)]+)\\)").matcher(markdown);
        while (m.find()) files.add(m.group(1));
        return files;
    }

    @Test
    void reportWithEveryPicture(@TempDir Path dir) throws Exception {
        List<List<String>> blocks = List.of(List.of("a", "b"), List.of("c", "d"), List.of("e"));
        List<String> labels = List.of("a", "b", "c", "d", "e");
        int n = 200, c = labels.size();
        SplittableRandom rng = new SplittableRandom(3);
        int[] gold = new int[n];
        double[] probs = new double[n * c];
        for (int b = 0; b < n; b++) {
            gold[b] = b % c;
            int predicted = rng.nextDouble() < 0.7 ? gold[b] : rng.nextInt(c);
            for (int j = 0; j < c; j++) probs[b * c + j] = j == predicted ? 0.6 : 0.1;
        }
        Map<String, int[][]> selection = new LinkedHashMap<>();
        selection.put("mc", new int[][] {{50, 20, 10}, {5, 70, 5}, {30, 0, 10}});
        selection.put("entropy", new int[][] {{40, 30, 10}, {5, 60, 15}, {35, 0, 5}});
        selection.put("mc_percentile", new int[][] {{60, 10, 10}, {5, 65, 10}, {10, 5, 25}});
        selection.put("entropy_percentile", new int[][] {{55, 15, 10}, {5, 60, 15}, {12, 5, 23}});
        List<double[][]> perTeacher = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            double[][] u = new double[4][60];
            for (double[] row : u) for (int i = 0; i < row.length; i++) row[i] = rng.nextDouble();
            perTeacher.add(u);
        }
        Evaluator.Result evaluation = new Evaluator.Result(Map.of("accuracy", 0.7), new double[] {0.1, 0.2}, new double[] {0.8},
                new double[] {0.2}, new double[] {0.9}, selection, perTeacher);
        Map<String, double[]> accuracies = new LinkedHashMap<>();
        accuracies.put("muki-soft-margin", new double[] {0.55, 0.57, 0.56});
        accuracies.put("vanilla-kd", new double[] {0.50, 0.53, 0.52});
        String md = "# A <report> & more\n\nSome `code` and **bold** text.\n\n| method | accuracy |\n|---|---|\n| x<y | 0.5000 ± 0.0100 |\n\n"
                + Pictures.draw(dir, blocks, labels, gold, evaluation, probs, "muki-soft-margin, seed 1", accuracies);
        HtmlReport.write(dir, "test report", md);

        List<String> files = linkedPictures(md);
        assertEquals(List.of("selection.png", "uncertainty-teachers.png", "accuracy.png", "reliability.png", "confusion.png"), files);
        List<String> alts = checkSelfContained(dir.resolve("report.html"));
        assertEquals(files.size(), alts.size(), "every linked picture is embedded");
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("A &lt;report&gt; &amp; more") && html.contains("x&lt;y"), "text escaped");
        assertTrue(html.contains("<code>code</code>") && html.contains("<strong>bold</strong>"), html.substring(0, 800));
        assertTrue(html.contains("<th>method</th>") && html.contains("<td class=\"num\">0.5000 ± 0.0100</td>"), "table rendered");

        // The selection picture has one row of panels per normalisation present (raw, percentile).
        BufferedImage sel = ImageIO.read(dir.resolve("selection.png").toFile());
        assertTrue(sel.getHeight() > sel.getWidth() * 0.7, sel.getWidth() + "x" + sel.getHeight());
        // Confusion: 70% of rows on the diagonal, so the picture is not blank (many distinct colours).
        BufferedImage conf = ImageIO.read(dir.resolve("confusion.png").toFile());
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < conf.getHeight(); y += 3) for (int x = 0; x < conf.getWidth(); x += 3) colours.add(conf.getRGB(x, y));
        assertTrue(colours.size() > 20, "confusion picture has " + colours.size() + " colours");
    }

    @Test
    void missingPictureIsNamed(@TempDir Path dir) {
        MukiException e = assertThrows(MukiException.class, () -> HtmlReport.write(dir, "t", "# t\n\n![gone](gone.png)\n"));
        assertTrue(e.getMessage().contains("gone.png") && e.getMessage().contains("missing"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("report.html")), "no page left behind");
    }

    @Test
    void confusionCountsAndReliabilityBins() {
        double[] probs = {0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.45, 0.55};
        int[] gold = {0, 1, 1, 1};
        int[][] m = Metrics.confusion(probs, 2, gold);
        assertEquals(1, m[0][0]);
        assertEquals(1, m[1][0]);
        assertEquals(2, m[1][1]);
        Metrics.Reliability r = Metrics.reliability(probs, 2, gold, 10);
        assertEquals(1, r.count()[9]); // 0.9
        assertEquals(1, r.count()[8]); // 0.8
        assertEquals(1, r.count()[7]); // 0.7, wrong
        assertEquals(0.0, r.accuracy()[7]);
        assertEquals(1, r.count()[5]); // 0.55
        assertTrue(Double.isNaN(r.confidence()[0]));
        // ECE from the same bins: |1-.9|+|1-.8|+|0-.7|+|1-.55|, each a quarter.
        assertEquals((0.1 + 0.2 + 0.7 + 0.45) / 4, Metrics.ece(probs, 2, gold, 10), 1e-12);
    }
}
