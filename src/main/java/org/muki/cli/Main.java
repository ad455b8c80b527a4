package org.muki.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import org.muki.MukiException;

/**
 * ./muki: one subcommand per job, each a thin layer over the typed pipeline API
 * (org.muki.pipeline): parse the options, build the request, call, print. User errors (a
 * missing file, a malformed line, a bad option) end with one line on stderr, "muki: ...", and
 * exit code 2; an internal error prints one line and exits 1 (MUKI_DEBUG=1 adds the stack trace).
 */
@Command(name = "muki", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = "Knowledge integration (MUKI) for BERT classifiers in pure Java.",
        subcommands = {PredictCommand.class, EmbedCommand.class, TokenizeCommand.class, ImportCommand.class, PretrainedCommand.class,
                InitCommand.class, BrownCommand.class, WordNetCommand.class, TrainCommand.class, ScoreCommand.class, IntegrateCommand.class,
                EvaluateCommand.class, ExperimentCommand.class, DemoCommand.class, BenchCommand.class, DevicesCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Run ./muki COMMAND --help for a command's options."})
public final class Main implements Runnable {

    public static void main(String[] argv) {
        int code;
        try {
            code = run(argv);
        } catch (OutOfMemoryError e) {
            System.err.println("muki: out of memory (raise -Xmx through MUKI_JAVA_OPTS, or lower --batch-size)");
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    /** Runs the command line; the exit code (0 done, 2 user error, 1 internal error). */
    static int run(String[] argv) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err.println("muki: the JDK's Vector API module is not loaded: run ./muki, or java --add-modules jdk.incubator.vector -jar target/muki.jar");
            return 2;
        }
        installLogging();
        CommandLine cli = commandLine();
        return cli.execute(argv);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, args) -> {
            String cmd = ex.getCommandLine().getCommandName();
            System.err.println("muki: " + (cmd.equals("muki") ? "" : cmd + ": ") + describe(ex) + " (see ./muki "
                    + (cmd.equals("muki") ? "" : cmd + " ") + "--help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof MukiException) {
                System.err.println("muki: " + ex.getMessage());
                return 2;
            }
            System.err.println("muki: internal error: " + ex);
            if (System.getenv("MUKI_DEBUG") != null) ex.printStackTrace();
            return 1;
        });
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setUsageHelpWidth(100);
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        return cli;
    }

    /** A parse error in one line: an unknown option with its likely intended name, else picocli's message. */
    private static String describe(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().get(0);
            List<String> near = u.getSuggestions();
            boolean isCommand = ex.getCommandLine().getCommandName().equals("muki") && !first.startsWith("-");
            return "unknown " + (isCommand ? "command" : first.startsWith("-") ? "option" : "argument") + " '" + first + "'"
                    + (near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near.subList(0, Math.min(3, near.size()))) + "?)");
        }
        return ex.getMessage().replace("\n", " ").strip();
    }

    @Override
    public void run() {
        new CommandLine(this).usage(new PrintWriter(System.err, true));
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command");
    }

    /** Library log records (java.util.logging, through System.Logger) as the command line's one-line notes. */
    static void installLogging() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        root.setLevel(System.getenv("MUKI_DEBUG") != null ? Level.FINE : Level.INFO);
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) return;
                String message = r.getParameters() == null ? r.getMessage() : java.text.MessageFormat.format(r.getMessage(), r.getParameters());
                CliListener.STDERR.line((r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "") + message);
            }

            @Override
            public void flush() {
                System.err.flush();
            }

            @Override
            public void close() {}
        });
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"muki " + (v == null ? "(development build)" : v),
                    "Java " + System.getProperty("java.version") + ", " + System.getProperty("os.arch")};
        }
    }
}
