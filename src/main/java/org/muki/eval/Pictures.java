package org.muki.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A report's pictures and the Markdown section that shows them (report.md links the PNG files;
 * report.html embeds them): teacher selection, the per-teacher uncertainty histograms, the
 * student's reliability diagram and confusion matrix, accuracy per method. Pictures that need
 * what a run does not have (scores, several methods) are left out, not drawn empty.
 */
public final class Pictures {
    private Pictures() {}

    /** Short names for the teachers on the pictures' axes: "T1 (person +3)". */
    public static List<String> teacherNames(List<List<String>> blocks) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            List<String> b = blocks.get(i);
            names.add("T" + (i + 1) + " (" + b.get(0) + (b.size() > 1 ? " +" + (b.size() - 1) : "") + ")");
        }
        return names;
    }

    /**
     * @param blocks      the teachers' label blocks (empty or one block: no teacher pictures)
     * @param labels      the student's labels, the columns of studentProbs
     * @param evaluation  an evaluation with the test scores (selection, uncertainties), or one without
     * @param student     the student's name on its pictures
     * @param accuracies  accuracy per method over seeds, or null
     * @return the Markdown section ("## Pictures") linking every picture drawn
     */
    public static String draw(Path out, List<List<String>> blocks, List<String> labels, int[] gold, Evaluator.Result evaluation,
                              double[] studentProbs, String student, Map<String, double[]> accuracies) {
        StringBuilder md = new StringBuilder("## Pictures\n\n");
        List<String> teachers = teacherNames(blocks);
        if (!evaluation.selection().isEmpty()) {
            Charts.selectionMatrices(out.resolve("selection.png"), evaluation.selection(), teachers);
            md.append("Teacher selection on the test rows: for each gold block (rows), the share of its rows whose chosen teacher is each "
                    + "teacher (columns); the diagonal is a right choice. Blocks: ");
            for (int i = 0; i < blocks.size(); i++) md.append(i > 0 ? "; " : "").append("T").append(i + 1).append(" = ").append(String.join(", ", blocks.get(i)));
            md.append(".\n\n![Teacher selection: gold block by chosen teacher, MC dropout and single-pass entropy](selection.png)\n\n");
        }
        if (!evaluation.perTeacher().isEmpty()) {
            Charts.uncertaintyPerTeacher(out.resolve("uncertainty-teachers.png"), evaluation.perTeacher(), teachers);
            md.append("![Each teacher's normalised uncertainty on its own block's rows and on the other blocks' rows, single pass and "
                    + "MC dropout (the paper's Figure 2, per teacher)](uncertainty-teachers.png)\n\n");
        }
        if (Files.exists(out.resolve("figure2.png"))) {
            md.append("![Normalised uncertainty of the correct and the wrong teachers, all teachers pooled (the paper's Figure 2)]"
                    + "(figure2.png)\n\n");
        }
        if (accuracies != null && !accuracies.isEmpty()) {
            int seeds = accuracies.values().iterator().next().length;
            Charts.accuracyByMethod(out.resolve("accuracy.png"), "Student accuracy per method" + (seeds > 1
                    ? " (mean ± std over " + seeds + " seeds)" : " (one seed)"), accuracies);
            md.append("![Student accuracy per method").append(seeds > 1 ? ", error bars one standard deviation over seeds" : "")
                    .append("](accuracy.png)\n\n");
        }
        if (Files.exists(out.resolve("curves.png"))) md.append("![Student accuracy on the test sample by epoch](curves.png)\n\n");
        if (studentProbs != null) {
            int c = labels.size();
            Metrics.Reliability rel = Metrics.reliability(studentProbs, c, gold, 15);
            Charts.reliability(out.resolve("reliability.png"), "Reliability, " + student, rel, Metrics.ece(studentProbs, c, gold, 15));
            Charts.confusion(out.resolve("confusion.png"), "Confusion matrix (% of each gold label's rows), " + student,
                    Metrics.confusion(studentProbs, c, gold), labels);
            md.append("![Reliability diagram of ").append(student).append(" (ECE's 15 bins)](reliability.png)\n\n");
            md.append("![Confusion matrix of ").append(student).append("](confusion.png)\n\n");
        }
        return md.toString();
    }
}
