package org.muki.cli;

import org.muki.tensor.OpenCl;

import java.util.List;
import java.util.Set;

/** `./muki devices`: the OpenCL devices that `--backend opencl:INDEX|NAME` can choose from. */
final class DevicesCommand {
    private DevicesCommand() {}

    static int run(String[] argv) {
        Args.parse("devices", argv, 1, Set.of(), Set.of());
        List<OpenCl.Device> devices = OpenCl.devices();
        OpenCl.Device chosen = OpenCl.choose("");
        for (OpenCl.Device d : devices) {
            System.out.println(d.describe() + (d.index() == chosen.index() ? "   (default for --backend opencl)" : ""));
        }
        return 0;
    }
}
