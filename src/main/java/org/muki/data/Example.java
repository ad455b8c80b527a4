package org.muki.data;

/** One labelled (or unlabelled: label null) text instance with a stable id. */
public record Example(String id, String text, String textPair, String label) {}
