package org.muki.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.muki.MukiException;

/** SHA-256 of files, for pinned downloads and the identities that score files record. */
public final class Hashing {
    private Hashing() {}

    /** Opens a stream of bytes to hash. */
    @FunctionalInterface
    public interface Opener {
        InputStream open() throws IOException;
    }

    /** Something to hash: its name (for the error message) and how to open it. */
    public record Source(String name, Opener opener) {}

    /** Hex SHA-256 of the files' bytes, one after another. */
    public static String sha256(Path... files) {
        List<Source> sources = new ArrayList<>();
        for (Path f : files) sources.add(new Source(f.toString(), () -> Files.newInputStream(f)));
        return sha256(sources);
    }

    /** Hex SHA-256 of the sources' bytes, one after another; a source that cannot be read is named in a MukiException. */
    public static String sha256(List<Source> sources) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        for (Source source : sources) {
            try (InputStream in = source.opener().open()) {
                int n;
                while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            } catch (IOException e) {
                throw new MukiException(source.name() + ": cannot read (" + e.getMessage() + ")");
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
