package org.muki.tensor;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.muki.MukiException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Finding OpenCL devices: the list `./muki devices` prints and the choice `--backend opencl:SPEC` makes. */
public final class OpenCl {
    private OpenCl() {}

    static final String HOW_TO_GET_ONE = "install an OpenCL driver, e.g. on Debian/Ubuntu "
            + "`apt-get install pocl-opencl-icd ocl-icd-libopencl1` (PoCL runs OpenCL on the CPU), "
            + "or your GPU vendor's OpenCL runtime";

    /** One device of one platform; index counts devices over all platforms in order. */
    public record Device(int index, cl_platform_id platform, cl_device_id id, String platformName, String name,
                         String type, int computeUnits, long globalMemory, long maxWorkGroupSize, String version) {
        public String describe() {
            return String.format(Locale.ROOT, "%d: %s [%s, %s] %d compute units, %d MiB, %s", index, name, type,
                    platformName, computeUnits, globalMemory >> 20, version);
        }
    }

    /** Every device of every platform; refuses with advice when there is no OpenCL at all. */
    public static List<Device> devices() {
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            try {
                CL.clGetPlatformIDs(0, null, count);
            } catch (CLException e) {
                count[0] = 0; // the ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no driver is installed
            }
            if (count[0] == 0) throw new MukiException("no OpenCL platform found: " + HOW_TO_GET_ONE);
            cl_platform_id[] platforms = new cl_platform_id[count[0]];
            CL.clGetPlatformIDs(platforms.length, platforms, null);
            List<Device> devices = new ArrayList<>();
            for (cl_platform_id p : platforms) {
                int[] n = new int[1];
                try {
                    CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, 0, null, n);
                } catch (CLException e) {
                    continue; // a platform without devices
                }
                cl_device_id[] ids = new cl_device_id[n[0]];
                CL.clGetDeviceIDs(p, CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null);
                String platformName = platformString(p, CL.CL_PLATFORM_NAME);
                for (cl_device_id d : ids) {
                    devices.add(new Device(devices.size(), p, d, platformName, deviceString(d, CL.CL_DEVICE_NAME),
                            type(deviceLong(d, CL.CL_DEVICE_TYPE, Sizeof.cl_ulong)),
                            (int) deviceLong(d, CL.CL_DEVICE_MAX_COMPUTE_UNITS, Sizeof.cl_uint),
                            deviceLong(d, CL.CL_DEVICE_GLOBAL_MEM_SIZE, Sizeof.cl_ulong),
                            deviceLong(d, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE, Sizeof.size_t),
                            deviceString(d, CL.CL_DEVICE_VERSION)));
                }
            }
            if (devices.isEmpty()) throw new MukiException("OpenCL platforms found but no devices: " + HOW_TO_GET_ONE);
            return devices;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new MukiException("OpenCL is not available (" + e.getMessage() + "): " + HOW_TO_GET_ONE);
        }
    }

    /**
     * The device a spec names: empty picks the first GPU (else the first device), digits pick by
     * index, anything else picks the first device whose name contains it (case-insensitive).
     */
    public static Device choose(String spec) {
        List<Device> all = devices();
        if (spec == null || spec.isEmpty()) {
            return all.stream().filter(d -> d.type().equals("GPU")).findFirst().orElse(all.get(0));
        }
        if (spec.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(spec);
            if (i >= all.size()) {
                throw new MukiException("no OpenCL device " + i + " (there are " + all.size() + "; see ./muki devices)");
            }
            return all.get(i);
        }
        String lower = spec.toLowerCase(Locale.ROOT);
        return all.stream().filter(d -> d.name().toLowerCase(Locale.ROOT).contains(lower)).findFirst()
                .orElseThrow(() -> new MukiException("no OpenCL device named like '" + spec + "' (see ./muki devices)"));
    }

    private static String type(long bits) {
        if ((bits & CL.CL_DEVICE_TYPE_GPU) != 0) return "GPU";
        if ((bits & CL.CL_DEVICE_TYPE_CPU) != 0) return "CPU";
        if ((bits & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        return "other";
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, param, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    private static long deviceLong(cl_device_id d, int param, int size) {
        long[] value = new long[1];
        if (size == Sizeof.cl_uint) {
            int[] v = new int[1];
            CL.clGetDeviceInfo(d, param, size, Pointer.to(v), null);
            return v[0] & 0xFFFFFFFFL;
        }
        CL.clGetDeviceInfo(d, param, size, Pointer.to(value), null);
        return value[0];
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) end++;
        return new String(bytes, 0, end, StandardCharsets.UTF_8).trim();
    }
}
