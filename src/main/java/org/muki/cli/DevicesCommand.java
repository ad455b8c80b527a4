package org.muki.cli;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

import org.muki.tensor.OpenCl;

/** ./muki devices: the OpenCL devices that --backend opencl:INDEX|NAME can choose from. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "Lists the OpenCL devices --backend opencl:INDEX|NAME can choose from.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        List<OpenCl.Device> devices = OpenCl.devices();
        OpenCl.Device chosen = OpenCl.choose("");
        for (OpenCl.Device d : devices) {
            System.out.println(d.describe() + (d.index() == chosen.index() ? "   (default for --backend opencl)" : ""));
        }
        return 0;
    }
}
