package org.muki.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import org.muki.MukiException;
import org.muki.io.Pretrained;

/** ./muki pretrained NAME [--out DIR] | --list: fetches and converts a pre-trained model. */
@Command(name = "pretrained", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fetches a pre-trained model (checked against its pinned SHA-256) and converts it into a model directory with its "
                + "license; without --out into the cache, where every --model/--init/--teachers finds it by name.",
                "Models: all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2, L6/H384/A12, Apache-2.0)."})
final class PretrainedCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "the model (see --list)")
    String name;

    @Option(names = "--list", description = "list the models and their licenses")
    boolean list;

    @Option(names = "--out", paramLabel = "DIR", description = "write the model directory here (default: the cache, $MUKI_CACHE/models/NAME)")
    Path out;

    @Mixin
    Options.OverwriteMixin overwrite;

    @Override
    public Integer call() {
        if (list) {
            for (Pretrained.Model m : Pretrained.MODELS) System.out.printf("%s\t%s; license: %s%n", m.name(), m.description(), m.license());
            return 0;
        }
        if (name == null) throw new MukiException("pretrained: name a model (see ./muki pretrained --list)");
        Pretrained.Model m = Pretrained.find(name);
        if (m == null) throw new MukiException("pretrained: no model '" + name + "' (see ./muki pretrained --list)");
        Path dir = out != null ? out : Pretrained.resolve(name, CliListener.STDERR::info);
        if (out != null) Pretrained.fetch(m, out, overwrite.overwrite, CliListener.STDERR::info);
        var c = org.muki.io.HfCheckpoint.readConfig(dir.resolve(org.muki.io.HfCheckpoint.CONFIG), java.util.List.of());
        System.out.printf("pretrained: %s -> %s (L%d/H%d/A%d, vocabulary %d; license in %s)%n", name, dir, c.numLayers(), c.hiddenSize(),
                c.numHeads(), c.vocabSize(), dir.resolve("LICENSE"));
        return 0;
    }
}
