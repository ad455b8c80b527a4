package org.muki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.muki.Listener;
import org.muki.TestSupport;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command line's contract: help generated from the options, one vocabulary of option names,
 * one line and exit code 2 for a user's mistake, 1 for an internal error, "-" for stdin/stdout,
 * progress as a terminal or a log file sees it.
 */
class CliContractTest {
    @TempDir
    Path tmp;

    @Test
    void everyCommandsHelpListsItsOptionsWithDefaults() {
        CommandLine cli = Main.commandLine();
        assertTrue(cli.getSubcommands().keySet().containsAll(List.of("predict", "embed", "tokenize", "import", "pretrained", "init", "brown",
                "wordnet", "train", "score", "integrate", "evaluate", "experiment", "demo", "bench", "devices")), cli.getSubcommands().keySet().toString());
        for (var e : cli.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue;
            String usage = e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertTrue(usage.startsWith("Usage: muki " + e.getKey()), usage);
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                if (o.hidden()) {
                    assertFalse(usage.contains(o.longestName() + " ") || usage.contains(o.longestName() + "="), e.getKey() + ": hidden " + o.longestName());
                    continue;
                }
                assertTrue(usage.contains(o.longestName()), e.getKey() + " --help lacks " + o.longestName());
                if (o.defaultValue() != null && !o.defaultValue().equals("-")) {
                    String text = String.join(" ", o.description());
                    assertTrue(text.contains("default") , e.getKey() + " " + o.longestName() + " has a default its help does not show");
                }
            }
        }
        String train = cli.getSubcommands().get("train").getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String o : new String[] {"--skip-nonfinite-steps", "--skip-bad-rows", "--label-names", "--save-every", "default: 3"}) {
            assertTrue(train.contains(o), "train --help lacks " + o);
        }
    }

    @Test
    void oneOptionNameMeansOneThingEverywhere() {
        CommandLine cli = Main.commandLine();
        for (var e : cli.getSubcommands().entrySet()) {
            for (OptionSpec o : e.getValue().getCommandSpec().options()) {
                String n = o.longestName();
                if (List.of("--output", "--batch", "--seq").contains(n)) assertTrue(o.hidden(), e.getKey() + ": " + n + " is an old spelling");
                if (n.equals("--vocab") && !o.hidden()) assertEquals("FILE", o.paramLabel(), e.getKey() + ": --vocab is a file");
                if (n.equals("--config") && !o.hidden()) assertEquals("FILE", o.paramLabel(), e.getKey() + ": --config is a BERT config.json");
                if (n.equals("--out") || n.equals("--batch-size") || n.equals("--max-length")) assertFalse(o.hidden(), e.getKey() + " " + n);
            }
        }
    }

    @Test
    void mistakesEndWithOneLineAndExitCode2() throws Exception {
        Path data = Files.writeString(tmp.resolve("d.tsv"), "text\tlabel\na\tx\n");
        String[][] cases = {
                {"unknown option '--epoch' (did you mean --epochs?)", "train", "--data", data.toString(), "--out", "o", "--config", "c.json", "--vocab", "v", "--epoch", "3"},
                {"mutually exclusive", "train", "--data", data.toString(), "--out", "o", "--config", "c.json", "--init", "m"},
                {"--data", "train", "--out", "o", "--config", "c.json"},
                {"'four'", "train", "--data", data.toString(), "--out", "o", "--config", "c.json", "--epochs", "four"},
                {"unknown command 'no-such-command'", "no-such-command"},
                {"missing", "experiment", tmp.resolve("none.yaml").toString()},
                {"unknown setting 'student.epoch'", "experiment", Files.writeString(tmp.resolve("e.yaml"),
                        "data: {brown: {}}\nstudent: {epoch: 5}\n").toString()},
                {"--config needs --vocab", "train", "--data", data.toString(), "--out", tmp.resolve("o").toString(), "--config", "models/tiny.json"},
        };
        for (String[] c : cases) {
            TestSupport.Result r = CliTest.muki(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.errLines());
            assertEquals(1, r.errLines().size(), String.join(" ", c) + ": " + r.errLines());
            assertTrue(r.errLines().get(0).startsWith("muki: ") && r.errLines().get(0).contains(c[0]), c[0] + ": " + r.errLines());
        }
        TestSupport.Result version = CliTest.muki("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("muki "), version.out());
        TestSupport.Result help = CliTest.muki("score", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--mc-samples=K") && help.out().contains("(default: 16)"), help.out());
        TestSupport.Result none = CliTest.muki();
        assertEquals(2, none.code());
        assertTrue(none.errLines().get(none.errLines().size() - 1).startsWith("muki: "), none.errLines().toString());
    }

    @Test
    void anInternalErrorIsOneLineAndExitCode1() {
        CommandLine cli = Main.commandLine();
        cli.addSubcommand("boom", new Boom());
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = cli.execute("boom");
        } finally {
            System.setErr(saved);
        }
        assertEquals(1, code);
        assertEquals("muki: internal error: java.lang.IllegalStateException: a bug", err.toString(StandardCharsets.UTF_8).strip());
    }

    @CommandLine.Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("a bug");
        }
    }

    @Test
    void dashReadsStdinAndWritesStdout() throws Exception {
        Path fx = TestSupport.fixture("odd-f32");
        byte[] input = Files.readAllBytes(fx.resolve("input.jsonl"));
        TestSupport.Result viaStdin = CliTest.muki(Map.of(), input, "predict", "--model", fx.toString(), "--input", "-", "--out", "-");
        assertEquals(0, viaStdin.code(), viaStdin.errLines().toString());
        Path out = tmp.resolve("p.jsonl");
        TestSupport.Result viaFiles = CliTest.muki("predict", "--model", fx.toString(), "--input", fx.resolve("input.jsonl").toString(), "--out",
                out.toString());
        assertEquals(0, viaFiles.code(), viaFiles.errLines().toString());
        assertEquals(Files.readString(out), viaStdin.out());
        assertEquals(input.length == 0 ? 0 : Files.readAllLines(fx.resolve("input.jsonl")).size(), viaStdin.out().lines().count());

        TestSupport.Result tok = CliTest.muki(Map.of(), "the cat\n".getBytes(StandardCharsets.UTF_8), "tokenize", "--vocab",
                fx.resolve("vocab.txt").toString());
        assertEquals("{\"tokens\":[\"[CLS]\",\"the\",\"cat\",\"[SEP]\"],\"input_ids\":[3,6,7,4]}", tok.out().strip());
    }

    @Test
    void progressIsRedrawnOnATerminalAndPrintedAsPeriodicLinesOtherwise() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        CliListener file = new CliListener(new PrintStream(log, true, StandardCharsets.UTF_8), false);
        for (int done = 1; done <= 100; done++) file.progress(new Listener.Progress("score", done, 100, 0, done * 0.1, ""));
        String[] lines = log.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(11, lines.length, "a line at the start, then one per tenth of the work: " + String.join("\n", lines));
        assertTrue(lines[0].startsWith("score [........................] 1/100 elapsed 0:00 eta 0:10"), lines[0]);
        assertFalse(log.toString(StandardCharsets.UTF_8).contains("\r"));
        assertEquals("score [########################] 100/100 elapsed 0:10 eta 0:00", lines[10]);

        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        CliListener terminal = new CliListener(new PrintStream(tty, true, StandardCharsets.UTF_8), true);
        terminal.progress(new Listener.Progress("train", 1, 4, 0, 1, "loss 0.5"));
        terminal.info("a note");
        terminal.progress(new Listener.Progress("train", 4, 4, 0, 4, "loss 0.1"));
        String shown = tty.toString(StandardCharsets.UTF_8);
        assertTrue(shown.startsWith("\rtrain [######..................] 1/4 loss 0.5"), shown);
        assertTrue(shown.contains("\nmuki: a note\n\rtrain [########################] 4/4"), "a note ends the open progress line: " + shown);
        assertTrue(shown.endsWith("\n"), "the finished bar ends its line");

        // A resumed run's ETA counts only its own rate: 10 of the remaining 50 units in 20 s -> 80 s left.
        Listener.Progress resumed = new Listener.Progress("train", 60, 100, 50, 20, "");
        assertEquals(80, resumed.etaSeconds(), 1e-9);
        assertTrue(Double.isNaN(new Listener.Progress("train", 50, 100, 50, 3, "").etaSeconds()), "no ETA before this run did any work");
    }
}
