package org.muki.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.muki.MukiException;
import org.muki.model.HostTensor;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
 * name to {dtype, shape, data_offsets}, then the data. The reader validates the header against
 * the file before touching data and memory-maps each tensor; floats load from F32, F16, BF16
 * and F64. The writer stores F32.
 */
public final class SafeTensors {
    /** Larger headers are refused: real ones are kilobytes. */
    static final long MAX_HEADER = 100L << 20;

    /** One tensor's entry in the header. */
    public record Entry(String name, String dtype, int[] shape, long begin, long end) {}

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;

    private SafeTensors(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
    }

    static int dtypeSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    public static SafeTensors open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new MukiException(file + ": cannot open (" + e.getMessage() + ")");
        }
        try {
            long size = ch.size();
            if (size < 8) throw new MukiException(file + ": too short for a safetensors file (" + size + " bytes)");
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.getLong(0);
            if (n < 2 || n > size - 8 || n > MAX_HEADER) {
                throw new MukiException(file + ": header length " + Long.toUnsignedString(n)
                        + " does not fit the file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            String text = StandardCharsets.UTF_8.newDecoder().decode(header.flip()).toString();
            JsonNode root = Json.parse(text, file + " (safetensors header)");
            Map<String, Entry> entries = parseHeader(file, root, size - 8 - n);
            return new SafeTensors(file, ch, 8 + n, entries);
        } catch (java.nio.charset.CharacterCodingException e) {
            close(ch);
            throw new MukiException(file + ": safetensors header is not valid UTF-8");
        } catch (IOException e) {
            close(ch);
            throw new MukiException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    private static Map<String, Entry> parseHeader(Path file, JsonNode root, long dataSize) {
        if (!root.isObject()) throw new MukiException(file + ": safetensors header is not a JSON object");
        Map<String, Entry> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            var e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) continue;
            String where = file + ": tensor '" + name + "'";
            JsonNode t = e.getValue();
            if (!t.isObject()) throw new MukiException(where + " is not an object");
            JsonNode dt = t.get("dtype"), sh = t.get("shape"), off = t.get("data_offsets");
            if (dt == null || !dt.isTextual()) throw new MukiException(where + ": missing or non-text dtype");
            String dtype = dt.asText();
            int width = dtypeSize(dtype);
            if (width < 0) throw new MukiException(where + ": unknown dtype " + dtype);
            if (sh == null || !sh.isArray()) throw new MukiException(where + ": missing shape");
            int[] shape = new int[sh.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = sh.get(i);
                if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() < 0) {
                    throw new MukiException(where + ": shape entry " + d + " is not a non-negative integer");
                }
                shape[i] = d.asInt();
                count *= shape[i]; // both factors are below 2^31 here, so no overflow
                if (count > Integer.MAX_VALUE) throw new MukiException(where + ": shape " + sh + " is too large");
            }
            if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                    || !off.get(1).isIntegralNumber()) {
                throw new MukiException(where + ": data_offsets must be [begin, end]");
            }
            long begin = off.get(0).asLong(), end = off.get(1).asLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new MukiException(where + ": data_offsets [" + begin + ", " + end + "] are outside the data ("
                        + dataSize + " bytes)");
            }
            if (end - begin != count * width) {
                throw new MukiException(where + ": " + (end - begin) + " bytes for shape " + sh + " of " + dtype
                        + " (needs " + count * width + ")");
            }
            out.put(name, new Entry(name, dtype, shape, begin, end));
        }
        List<Entry> sorted = new ArrayList<>(out.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin() < at) throw new MukiException(file + ": tensor '" + e.name() + "' overlaps another tensor's data");
            if (e.begin() > at) throw new MukiException(file + ": gap in the data before tensor '" + e.name() + "'");
            at = e.end();
        }
        if (at != dataSize) throw new MukiException(file + ": " + (dataSize - at) + " bytes after the last tensor");
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing with a clearer message
        }
    }

    public Path file() {
        return file;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    /** Loads one tensor as float32 values (converting F16, BF16 and F64). */
    public HostTensor readFloat(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new MukiException(file + ": no tensor '" + name + "'");
        int count = (int) ((e.end() - e.begin()) / Math.max(1, dtypeSize(e.dtype())));
        float[] out = new float[count];
        if (count > 0) {
            ByteBuffer data;
            try {
                data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin())
                        .order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException ex) {
                throw new MukiException(file + ": cannot map tensor '" + name + "' (" + ex.getMessage() + ")");
            }
            switch (e.dtype()) {
                case "F32" -> data.asFloatBuffer().get(out);
                case "F16" -> {
                    for (int i = 0; i < count; i++) out[i] = halfToFloat(data.getShort(2 * i));
                }
                case "BF16" -> {
                    for (int i = 0; i < count; i++) out[i] = Float.intBitsToFloat((data.getShort(2 * i) & 0xFFFF) << 16);
                }
                case "F64" -> {
                    for (int i = 0; i < count; i++) out[i] = (float) data.getDouble(8 * i);
                }
                default -> throw new MukiException(file + ": tensor '" + name + "' has dtype " + e.dtype()
                        + ", expected a floating-point type (F32, F16, BF16, F64)");
            }
        }
        return new HostTensor(out, e.shape());
    }

    /** IEEE 754 binary16 to float, subnormals, infinities and NaN included. */
    public static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    public void close() {
        close(channel);
    }

    /** Writes tensors as F32 in the given order, with Hugging Face's {"format": "pt"} metadata. */
    public static void write(Path target, Map<String, HostTensor> tensors) {
        ObjectNode header = Json.MAPPER.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long at = 0;
        for (var e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (int d : e.getValue().shape()) shape.add(d);
            long bytes = 4L * e.getValue().data().length;
            t.putArray("data_offsets").add(at).add(at + bytes);
            at += bytes;
        }
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8; // keep the data 8-byte aligned, as the reference writer does
        byte[] head = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(head, json.length, padded, (byte) ' ');
        AtomicFiles.write(target, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (HostTensor t : tensors.values()) {
                for (float v : t.data()) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
            }
            out.write(buf.array(), 0, buf.position());
        });
    }
}
