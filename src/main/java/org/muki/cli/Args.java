package org.muki.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.muki.MukiException;

/** Parses "--name value" options and "--flag" switches; every mistake names the option. */
final class Args {
    private final String command;
    private final Map<String, String> values = new HashMap<>();

    private Args(String command) {
        this.command = command;
    }

    static Args parse(String command, String[] argv, int from, Set<String> options, Set<String> flags) {
        Args a = new Args(command);
        for (int i = from; i < argv.length; i++) {
            String arg = argv[i];
            String name = arg.startsWith("--") ? arg.substring(2) : null;
            String inline = null;
            if (name != null && name.contains("=")) {
                inline = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            }
            if (name == null || (!options.contains(name) && !flags.contains(name))) {
                throw new MukiException(command + ": unknown argument '" + arg + "' (see ./muki " + command + " --help)");
            }
            if (a.values.containsKey(name)) throw new MukiException(command + ": --" + name + " given twice");
            if (flags.contains(name)) {
                if (inline != null) throw new MukiException(command + ": --" + name + " takes no value");
                a.values.put(name, "true");
            } else if (inline != null) {
                a.values.put(name, inline);
            } else {
                if (i + 1 >= argv.length) throw new MukiException(command + ": --" + name + " needs a value");
                a.values.put(name, argv[++i]);
            }
        }
        return a;
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    String string(String name, String def) {
        return values.getOrDefault(name, def);
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null) throw new MukiException(command + ": --" + name + " is required");
        return v;
    }

    int integer(String name, int def, int min) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            int i = Integer.parseInt(v);
            if (i < min) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw new MukiException(command + ": --" + name + " expects an integer >= " + min + ", got '" + v + "'");
        }
    }

    long longValue(String name, long def) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new MukiException(command + ": --" + name + " expects an integer, got '" + v + "'");
        }
    }

    double number(String name, double def, double min, double maxExclusive) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            double d = Double.parseDouble(v);
            if (!(d >= min && d < maxExclusive)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new MukiException(command + ": --" + name + " expects a number in [" + min + ", " + maxExclusive
                    + "), got '" + v + "'");
        }
    }

    String choice(String name, String def, List<String> allowed) {
        String v = string(name, def);
        if (!allowed.contains(v)) throw new MukiException(command + ": --" + name + " must be one of " + allowed + ", got '" + v + "'");
        return v;
    }
}
