package org.muki.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;

import org.muki.MukiException;

/**
 * Where a job's lines go: part files in a folder (Spark's committer keeps only each task's
 * successful attempt, and _SUCCESS marks a finished job), with the score file's header in
 * _header.json; and one file made from them, header first, then the parts in order, written to
 * a temporary sibling and renamed, so no half file ever looks complete. Paths are Hadoop paths
 * (a local path, hdfs://, s3a:// ...).
 */
public final class Output {
    private Output() {}

    static final String HEADER = "_header.json";

    /** Writes the lines as part files under dir (replacing dir only with overwrite), then the header, if any. */
    static void writeParts(JavaRDD<String> lines, String dir, String header, boolean overwrite, Configuration conf) {
        try {
            Path p = new Path(dir);
            FileSystem fs = p.getFileSystem(conf);
            if (fs.exists(p)) {
                if (!overwrite) throw new MukiException(dir + " exists (pass --overwrite to replace it)");
                fs.delete(p, true);
            }
            lines.saveAsTextFile(dir);
            if (header != null) {
                try (OutputStream out = fs.create(new Path(p, HEADER), true)) {
                    out.write((header + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new MukiException(dir + ": cannot write (" + e.getMessage() + ")");
        }
    }

    /**
     * Concatenates a finished parts folder into one file: its header (if any), then every part in
     * order. Returns the number of lines after the header.
     */
    public static long merge(String dir, String out, boolean overwrite, Configuration conf) {
        try {
            Path d = new Path(dir), o = new Path(out);
            FileSystem fs = d.getFileSystem(conf), ofs = o.getFileSystem(conf);
            if (!fs.exists(new Path(d, "_SUCCESS"))) {
                throw new MukiException(dir + ": not a finished job's output (no _SUCCESS): rerun the job");
            }
            if (ofs.exists(o) && !overwrite) throw new MukiException(out + " exists (pass --overwrite to replace it)");
            List<FileStatus> parts = new ArrayList<>();
            for (FileStatus s : fs.listStatus(d)) if (s.getPath().getName().startsWith("part-")) parts.add(s);
            parts.sort(Comparator.comparingLong(s -> partNumber(s.getPath().getName())));
            Path tmp = new Path(o.getParent(), "." + o.getName() + ".partial");
            long lines = 0;
            try (OutputStream w = ofs.create(tmp, true)) {
                Path header = new Path(d, HEADER);
                if (fs.exists(header)) copy(fs, header, w);
                byte[] buf = new byte[1 << 16];
                for (FileStatus s : parts) {
                    try (InputStream in = fs.open(s.getPath())) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            for (int i = 0; i < n; i++) if (buf[i] == '\n') lines++;
                            w.write(buf, 0, n);
                        }
                    }
                }
            }
            if (ofs.exists(o)) ofs.delete(o, false);
            if (!ofs.rename(tmp, o)) throw new MukiException(out + ": cannot rename " + tmp + " into place");
            return lines;
        } catch (IOException e) {
            throw new MukiException(out + ": cannot merge " + dir + " (" + e.getMessage() + ")");
        }
    }

    private static void copy(FileSystem fs, Path p, OutputStream w) throws IOException {
        try (InputStream in = fs.open(p)) {
            in.transferTo(w);
        }
    }

    private static long partNumber(String name) {
        String digits = name.replaceAll("^part-(\\d+).*$", "$1");
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    static void delete(String dir, Configuration conf) {
        try {
            Path p = new Path(dir);
            p.getFileSystem(conf).delete(p, true);
        } catch (IOException e) {
            throw new MukiException(dir + ": cannot delete (" + e.getMessage() + ")");
        }
    }

    /** A hidden sibling of out for its parts: .NAME.parts. */
    static String siblingParts(String out) {
        Path o = new Path(out);
        return new Path(o.getParent() == null ? new Path(".") : o.getParent(), "." + o.getName() + ".parts").toString();
    }
}
