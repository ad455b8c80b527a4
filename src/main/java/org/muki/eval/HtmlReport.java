package org.muki.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.muki.MukiException;
import org.muki.io.AtomicFiles;

/**
 * report.html: the run's report.md as one self-contained page, its pictures embedded as data
 * URIs, so that the file can be mailed or archived alone. The page is well-formed XHTML (every
 * element closed, text escaped), which the tests check with an XML parser.
 *
 * <p>Reads the Markdown this project writes, not Markdown at large: headings (#, ##, ###),
 * paragraphs, pipe tables with a |---| rule, "- " lists, **bold**, `code`, and pictures on a
 * line of their own, ![caption](file.png), the file relative to the report's folder.
 */
public final class HtmlReport {
    private static final Pattern PICTURE = Pattern.compile("!\\[([^\\]]*)]\\(([^)]+)\\)");
    private static final String STYLE = """
            body { font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em;
                   color: #1b1b1b; line-height: 1.45; }
            h1 { border-bottom: 2px solid #08306b; padding-bottom: .2em; }
            h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
            table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
            th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; }
            th { background: #eef3f8; }
            tr:nth-child(even) td { background: #fafafa; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            code { background: #f2f2f2; padding: 0 .25em; border-radius: 3px; }
            figure { margin: 1.5em 0; }
            figure img { max-width: 100%; border: 1px solid #ddd; }
            figcaption { color: #444; font-size: .92em; margin-top: .4em; }
            """;

    private HtmlReport() {}

    /** Writes {@code folder/report.html} from the Markdown text, embedding the pictures it names (files in folder). */
    public static void write(Path folder, String title, String markdown) {
        String html = render(folder, title, markdown);
        AtomicFiles.write(folder.resolve("report.html"), os -> os.write(html.getBytes(StandardCharsets.UTF_8)));
    }

    static String render(Path folder, String title, String markdown) {
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>").append(escape(title)).append("</title>\n<style>\n").append(STYLE)
                .append("</style>\n</head>\n<body>\n");
        List<String> lines = markdown.lines().toList();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            String t = line.strip();
            if (t.isEmpty()) {
                i++;
            } else if (t.startsWith("#")) {
                int level = 0;
                while (level < t.length() && t.charAt(level) == '#') level++;
                level = Math.min(level, 4);
                b.append("<h").append(level).append(">").append(inline(t.substring(level).strip())).append("</h").append(level).append(">\n");
                i++;
            } else if (PICTURE.matcher(t).matches()) {
                Matcher m = PICTURE.matcher(t);
                m.matches();
                b.append(figure(folder, m.group(1), m.group(2)));
                i++;
            } else if (t.startsWith("|")) {
                int start = i;
                while (i < lines.size() && lines.get(i).strip().startsWith("|")) i++;
                b.append(table(lines.subList(start, i)));
            } else if (t.startsWith("- ")) {
                b.append("<ul>\n");
                while (i < lines.size() && lines.get(i).strip().startsWith("- ")) {
                    b.append("<li>").append(inline(lines.get(i).strip().substring(2))).append("</li>\n");
                    i++;
                }
                b.append("</ul>\n");
            } else {
                StringBuilder p = new StringBuilder();
                while (i < lines.size()) {
                    String u = lines.get(i).strip();
                    if (u.isEmpty() || u.startsWith("#") || u.startsWith("|") || u.startsWith("- ") || PICTURE.matcher(u).matches()) break;
                    if (!p.isEmpty()) p.append(' ');
                    p.append(u);
                    i++;
                }
                b.append("<p>").append(inline(p.toString())).append("</p>\n");
            }
        }
        return b.append("</body>\n</html>\n").toString();
    }

    private static String figure(Path folder, String caption, String file) {
        Path png = folder.resolve(file);
        if (!file.endsWith(".png") || !Files.isRegularFile(png)) throw new MukiException(png + ": the report's picture is missing");
        try {
            String data = Base64.getEncoder().encodeToString(Files.readAllBytes(png));
            return "<figure><img src=\"data:image/png;base64," + data + "\" alt=\"" + escape(caption) + "\"/><figcaption>"
                    + escape(caption) + "</figcaption></figure>\n";
        } catch (IOException e) {
            throw new MukiException(png + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static String table(List<String> rows) {
        StringBuilder b = new StringBuilder("<table>\n");
        boolean header = rows.size() > 1 && rows.get(1).strip().matches("\\|[-:| ]+\\|");
        for (int r = 0; r < rows.size(); r++) {
            if (header && r == 1) continue;
            String tag = header && r == 0 ? "th" : "td";
            b.append("<tr>");
            for (String cell : cells(rows.get(r))) {
                boolean numeric = tag.equals("td") && cell.matches("[-+]?[0-9.]+( ± [0-9.]+)?%?|n/a");
                b.append('<').append(tag).append(numeric ? " class=\"num\"" : "").append('>').append(inline(cell)).append("</").append(tag)
                        .append('>');
            }
            b.append("</tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    private static List<String> cells(String row) {
        String t = row.strip();
        if (t.startsWith("|")) t = t.substring(1);
        if (t.endsWith("|")) t = t.substring(0, t.length() - 1);
        return List.of(t.split("\\|", -1)).stream().map(String::strip).toList();
    }

    /** Escapes the text, then renders `code` and **bold** inside it. */
    static String inline(String text) {
        StringBuilder b = new StringBuilder();
        String[] parts = text.split("`", -1);
        for (int k = 0; k < parts.length; k++) {
            String e = escape(parts[k]);
            if (k % 2 == 1 && k < parts.length - 1) b.append("<code>").append(e).append("</code>");
            else b.append(e.replaceAll("\\*\\*([^*]+)\\*\\*", "<strong>$1</strong>"));
            if (k % 2 == 1 && k == parts.length - 1) b.insert(b.length() - e.length(), "`");
        }
        return b.toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
