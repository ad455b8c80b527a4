package org.muki.cli;

import org.muki.MukiException;

/** Entry point: one class per command; user errors print one line and exit 2. */
public final class Main {
    private static final String USAGE = """
            usage: ./muki <command> [options]
              predict   --model DIR --input FILE.jsonl [--output FILE.jsonl] [--backend java|java-scalar|nd4j|opencl[:DEVICE]]
                        [--mc-samples K --seed S] [--dropout P] [--attention-dropout P] [--batch-size N]
                        [--max-length N] [--threads T] [--overwrite]
              init      --labels A,B,... --vocab FILE --out DIR [--shape tiny|mini|small|base] [--seed S] [--overwrite]
              embed     --model DIR|NAME --input FILE.jsonl [--output FILE.jsonl] [--pooling mean|cls] [--normalize]
                        [--backend NAME] [--batch-size N] [--max-length N] [--threads T] [--overwrite]
              import    --onnx FILE.onnx --out DIR [--tokenizer tokenizer.json] [--heads N] [--overwrite]
              pretrained NAME --out DIR [--overwrite] | --list
              tokenize  (--vocab FILE [--uncased|--cased] | --tokenizer tokenizer.json) [--input FILE] [--max-length N]
              brown     --out DIR [--sentences 3]
              wordnet   --out DIR [--classes A,B,...] [--cap 2000] [--seed 0]
              train     --data TRAIN --eval EVAL (--config FILE --vocab FILE | --init DIR) --out DIR [--labels A,B,...]
                        [--epochs 3] [--batch-size 32] [--lr 1e-4] [--warmup 0.1] [--weight-decay 0.01] [--clip 1.0]
                        [--max-length 128] [--seed 0] [--save-every 200] [--backend NAME] [--threads T]
                        [--uncased|--cased] [--skip-bad-rows] [--overwrite]
                        [--id-column id] [--text-column text] [--text-pair-column text_pair] [--label-column label]
              score     --teachers DIR,DIR,... --data FILE --out SCORES [--mc-samples 16] [--seed 0] [--dropout P]
                        [--attention-dropout P] [--batch-size 32] [--max-length 128] [--backend NAME] [--overwrite]
              integrate --method NAME --teachers DIR,... --data TRANSFER --scores SCORES (--config FILE --vocab FILE | --init DIR)
                        --out DIR [--eval VALIDATION] [--labels ORDER] [--tau 0.2] [--temperature 1] [--feature-weight 1]
                        [training options]
              evaluate  --model DIR --data TEST [--teachers DIR,... --scores TEST_SCORES [--gold DIR]] [--out REPORT_DIR]
                        [--overwrite]
              experiment --config FILE.yaml|FILE.json|NAME [--out DIR] [--backend NAME] [--threads T] [--vocab FILE]
              demo      [--out DIR] [--backend NAME] [--threads T] [--vocab FILE]   (experiment wordnet-3-teachers)
              bench     --shape tiny|mini|small|base --backend NAME --mode mc|eval|train [--batch 32] [--seq 128]
                        [--mc-samples 16] [--threads T] [--seconds 10] [--warmup 3] [--vocab 30522] [--all-tokens]
              devices   (OpenCL devices for --backend opencl:INDEX or opencl:NAME)
            """;

    private Main() {}

    public static void main(String[] argv) {
        int code;
        try {
            code = run(argv);
        } catch (MukiException e) {
            System.err.println("muki: " + e.getMessage());
            code = 2;
        } catch (OutOfMemoryError e) {
            System.err.println("muki: out of memory (raise -Xmx through MUKI_JAVA_OPTS, or lower --batch-size)");
            code = 1;
        } catch (Throwable e) {
            System.err.println("muki: internal error: " + e);
            if (System.getenv("MUKI_DEBUG") != null) e.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    static int run(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h")) {
            System.out.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        if (argv.length > 1 && (argv[1].equals("--help") || argv[1].equals("-h"))) {
            System.out.print(USAGE);
            return 0;
        }
        return switch (argv[0]) {
            case "predict" -> PredictCommand.run(argv);
            case "tokenize" -> TokenizeCommand.run(argv);
            case "embed" -> EmbedCommand.run(argv);
            case "import" -> ImportCommand.run(argv);
            case "pretrained" -> PretrainedCommand.run(argv);
            case "init" -> InitCommand.run(argv);
            case "brown" -> BrownCommand.run(argv);
            case "wordnet" -> WordNetCommand.run(argv);
            case "train" -> TrainCommand.run(argv);
            case "score" -> ScoreCommand.run(argv);
            case "integrate" -> IntegrateCommand.run(argv);
            case "evaluate" -> EvaluateCommand.run(argv);
            case "experiment" -> ExperimentCommand.run(argv);
            case "demo" -> ExperimentCommand.demo(argv);
            case "bench" -> BenchCommand.run(argv);
            case "devices" -> DevicesCommand.run(argv);
            default -> throw new MukiException("unknown command '" + argv[0] + "' (commands: predict, embed, import, pretrained, init, tokenize, brown, wordnet, train, score, integrate, evaluate, experiment, demo, bench, devices)");
        };
    }
}
