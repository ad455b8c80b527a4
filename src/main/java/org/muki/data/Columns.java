package org.muki.data;

/** Which columns (or JSON fields) hold the id, the text, the optional second text and the label. */
public record Columns(String id, String text, String textPair, String label) {
    public static final Columns DEFAULT = new Columns("id", "text", "text_pair", "label");
}
