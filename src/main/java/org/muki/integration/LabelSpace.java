package org.muki.integration;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;

import org.muki.MukiException;

/**
 * The student's label list and where each teacher's labels sit in it, matched by name, never by
 * position. A name handled by two teachers (overlapping label sets) is one student output:
 * each teacher's probability for it is that teacher's evidence, and masses of the same name add.
 *
 * @param labels the student's labels: the given order, or the sorted union of the teachers'
 * @param blocks blocks[i][j] = the student index of teacher i's label j
 */
public record LabelSpace(List<String> labels, int[][] blocks) {

    public static LabelSpace of(List<List<String>> teacherLabels, List<String> order) {
        LinkedHashSet<String> union = new LinkedHashSet<>();
        for (List<String> l : teacherLabels) union.addAll(l);
        List<String> labels;
        if (order == null) {
            labels = List.copyOf(new TreeSet<>(union));
        } else {
            labels = List.copyOf(order);
            if (!new LinkedHashSet<>(labels).equals(union)) {
                throw new MukiException("the label order " + order + " is not the teachers' labels " + union);
            }
        }
        int[][] blocks = new int[teacherLabels.size()][];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = teacherLabels.get(i).stream().mapToInt(labels::indexOf).toArray();
        }
        return new LabelSpace(labels, blocks);
    }

    public int size() {
        return labels.size();
    }

    public int teachers() {
        return blocks.length;
    }

    /** The teachers whose block holds student label `label`, in teacher order. */
    public List<Integer> teachersOf(int label) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < blocks.length; i++) {
            for (int g : blocks[i]) if (g == label) out.add(i);
        }
        return out;
    }
}
