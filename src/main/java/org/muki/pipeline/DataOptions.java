package org.muki.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.muki.Listener;
import org.muki.MukiException;
import org.muki.data.Columns;
import org.muki.data.Dataset;
import org.muki.data.Example;

/**
 * How a dataset file is read: which columns (or JSON fields) hold the id, texts and label,
 * whether bad rows are skipped (counted, the first reasons reported) or stop the read, and label
 * names for data whose labels are integers (0 is the first name).
 *
 * @param labelNames empty, or the names integer labels stand for
 */
public record DataOptions(Columns columns, boolean skipBadRows, List<String> labelNames) {
    public DataOptions {
        labelNames = List.copyOf(labelNames);
    }

    /** id, text, text_pair and label columns; bad rows stop the read; labels as written. */
    public static DataOptions defaults() {
        return new DataOptions(Columns.DEFAULT, false, List.of());
    }

    /** Reads a file, reporting skipped rows, with integer labels named by labelNames when given. */
    public Dataset read(Path file, Dataset.Labels labels, Listener listener) {
        Dataset d = Dataset.read(file, columns, labels, skipBadRows);
        if (d.skipped() > 0) {
            listener.warn(file + ": skipped " + d.skipped() + " bad rows, e.g. " + String.join("; ", d.skipReasons()));
        }
        if (labelNames.isEmpty()) return d;
        List<Example> named = new ArrayList<>(d.examples().size());
        for (Example e : d.examples()) named.add(e.label() == null ? e : new Example(e.id(), e.text(), e.textPair(), name(file, e)));
        return new Dataset(d.file(), List.copyOf(named), d.skipped(), d.skipReasons());
    }

    private String name(Path file, Example e) {
        if (labelNames.contains(e.label())) return e.label();
        try {
            int i = Integer.parseInt(e.label().strip());
            if (i >= 0 && i < labelNames.size()) return labelNames.get(i);
        } catch (NumberFormatException ignored) {
            // not an integer: refused below
        }
        throw new MukiException(file + ": row with id '" + e.id() + "': label '" + e.label() + "' is neither one of the label names "
                + labelNames + " nor an integer 0.." + (labelNames.size() - 1));
    }
}
