package org.muki.cli;

import java.nio.file.Path;
import java.util.Set;

import org.muki.MukiException;
import org.muki.io.Pretrained;

/** ./muki pretrained NAME --out DIR | --list: fetches and converts a pre-trained model. */
final class PretrainedCommand {
    private PretrainedCommand() {}

    static int run(String[] argv) {
        String name = argv.length > 1 && !argv[1].startsWith("--") ? argv[1] : null;
        Args args = Args.parse("pretrained", argv, name == null ? 1 : 2, Set.of("out"), Set.of("list", "overwrite"));
        if (args.flag("list")) {
            for (Pretrained.Model m : Pretrained.MODELS) System.out.printf("%s\t%s; license: %s%n", m.name(), m.description(), m.license());
            return 0;
        }
        if (name == null) throw new MukiException("pretrained: name a model (see ./muki pretrained --list)");
        Pretrained.Model m = Pretrained.find(name);
        if (m == null) throw new MukiException("pretrained: no model '" + name + "' (see ./muki pretrained --list)");
        Path out = Path.of(args.required("out"));
        var r = Pretrained.fetch(m, out, args.flag("overwrite"), line -> System.err.println("muki: " + line));
        var c = r.config();
        System.out.printf("pretrained: %s -> %s (L%d/H%d/A%d, vocabulary %d; license in %s)%n", name, out, c.numLayers(), c.hiddenSize(),
                c.numHeads(), c.vocabSize(), out.resolve("LICENSE"));
        return 0;
    }
}
