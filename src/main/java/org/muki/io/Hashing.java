package org.muki.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.muki.MukiException;

/** SHA-256 of files, for pinned downloads and the identities that score files record. */
public final class Hashing {
    private Hashing() {}

    /** Hex SHA-256 of the files' bytes, one after another. */
    public static String sha256(Path... files) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                int n;
                while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            } catch (IOException e) {
                throw new MukiException(f + ": cannot read (" + e.getMessage() + ")");
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
