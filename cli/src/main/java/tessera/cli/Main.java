package tessera.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tessera}: compile, check, explain and run Tessera kernels. Exit codes: 0 ok, 1 error, 2 usage. */
@Command(name = "tessera", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A compiler for sequence-mixing kernels (attention and friends).",
        subcommands = {CheckCommand.class, ExplainCommand.class, CompileCommand.class, RunCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: check, explain, compile or run");
    }

    /** Compiling recurses over expression trees; a big stack lets long expressions compile. */
    private static final long STACK_BYTES = 512L << 20;

    public static void main(String[] args) throws InterruptedException {
        int[] code = {ERROR};
        Thread worker = new Thread(null,
                () -> code[0] = execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args),
                "tessera", STACK_BYTES);
        worker.start();
        worker.join();
        System.exit(code[0]);
    }

    /** Runs the CLI with the given streams; for tests and embedding. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("tessera: internal error: " + ex);
            for (StackTraceElement e : ex.getStackTrace()) {
                if (e.getClassName().startsWith("tessera.")) {
                    err.println("    at " + e);
                }
            }
            err.println("This is a bug in Tessera; please report it with the command you ran.");
            return ERROR;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tessera " + (v != null ? v : "0.1.0-SNAPSHOT") + " (Java " + Runtime.version() + ")"};
        }
    }
}
