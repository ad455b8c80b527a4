package org.muki.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import scala.Tuple2;

import org.muki.MukiException;
import org.muki.data.Columns;

/**
 * A dataset read with Spark's readers: TSV (header row, no quoting, as ./muki reads it), CSV
 * (header row, RFC 4180 quotes, fields may span lines), JSON Lines or Parquet, chosen by the
 * extension or by format. Each row becomes an {@link Item} with its position in the input (0 for
 * the first data row), its id (the id column, else the row's number from 1, as ./muki numbers
 * rows) and its texts. A row without text fails the job naming the input, the row and its id.
 */
public final class SparkData {
    private SparkData() {}

    /** One input row: index is its 0-based position among the data rows. */
    public record Item(long index, String id, String text, String textPair) implements Serializable {}

    /** tsv, csv, jsonl or parquet: format when given, else the path's extension (a folder: parquet). */
    public static String format(String path, String format) {
        if (format != null) {
            String f = format.toLowerCase(Locale.ROOT);
            if (!List.of("tsv", "csv", "jsonl", "parquet").contains(f)) {
                throw new MukiException("--format must be tsv, csv, jsonl or parquet, got '" + format + "'");
            }
            return f;
        }
        String p = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (p.endsWith(".tsv")) return "tsv";
        if (p.endsWith(".csv")) return "csv";
        if (p.endsWith(".jsonl") || p.endsWith(".json")) return "jsonl";
        if (p.endsWith(".parquet") || !p.substring(p.lastIndexOf('/') + 1).contains(".")) return "parquet";
        throw new MukiException(path + ": unknown dataset format (use .tsv, .csv, .jsonl, .parquet or --format)");
    }

    /** The rows as items, and whether the input has an id column. */
    public record Input(JavaRDD<Item> items, boolean hasIdColumn) {}

    /** The rows of path as items, in input order (each partition a run of consecutive rows). */
    public static Input read(SparkSession spark, String path, String format, Columns columns) {
        String f = format(path, format);
        DataFrameReader reader = spark.read().option("mode", "FAILFAST");
        org.apache.spark.sql.Dataset<Row> df;
        try {
            df = switch (f) {
                case "tsv" -> reader.option("header", "true").option("sep", "\t").option("quote", "\u0000").option("escape", "\u0000")
                        .option("inferSchema", "false").csv(path);
                case "csv" -> reader.option("header", "true").option("multiLine", "true").option("quote", "\"").option("escape", "\"")
                        .option("inferSchema", "false").csv(path);
                case "jsonl" -> reader.option("primitivesAsString", "true").json(path);
                default -> reader.parquet(path);
            };
        } catch (RuntimeException e) {
            throw new MukiException(path + ": cannot read as " + f + " (" + firstLine(e.getMessage()) + ")");
        }
        List<String> names = Arrays.asList(df.columns());
        if (!names.contains(columns.text())) throw new MukiException(path + ": no column '" + columns.text() + "' in " + names);
        int text = names.indexOf(columns.text()), pair = names.indexOf(columns.textPair()), id = names.indexOf(columns.id());
        String where = path, idName = columns.id(), textName = columns.text();
        JavaRDD<Item> items = df.javaRDD().zipWithIndex().map((Tuple2<Row, Long> t) -> {
            Row r = t._1();
            long i = t._2();
            String rowId = id >= 0 ? string(r, id) : Long.toString(i + 1);
            if (rowId == null || rowId.isBlank()) throw new MukiException(where + ": data row " + (i + 1) + ": missing " + idName);
            String s = string(r, text);
            if (s == null || s.isBlank()) throw new MukiException(where + ": data row " + (i + 1) + " (id '" + rowId + "'): missing " + textName);
            String p = pair >= 0 ? string(r, pair) : null;
            return new Item(i, rowId, s, p == null || p.isEmpty() ? null : p);
        });
        return new Input(items, id >= 0);
    }

    private static String string(Row r, int i) {
        Object v = r.get(i);
        return v == null ? null : v.toString();
    }

    /** A duplicate id fails the job (scores and predictions are keyed by id), naming one. */
    public static void checkUniqueIds(JavaRDD<Item> items, String path) {
        List<Tuple2<String, Integer>> dup = items.mapToPair(i -> new Tuple2<>(i.id(), 1)).reduceByKey(Integer::sum).filter(t -> t._2() > 1).take(1);
        if (!dup.isEmpty()) throw new MukiException(path + ": duplicate id '" + dup.get(0)._1() + "' (" + dup.get(0)._2() + " rows)");
    }

    static String firstLine(String s) {
        if (s == null) return "failed";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
