package dev.baton.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Diagnostic commands to a replica's JVM (the {@code jcmd} of the JDK running the harness). */
final class Jcmd {

    private Jcmd() {
    }

    static String run(long pid, String... command) {
        Path beside = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<String> argv = new ArrayList<>(List.of(Files.isExecutable(beside) ? beside.toString() : "jcmd",
                Long.toString(pid)));
        argv.addAll(List.of(command));
        try {
            Process jcmd = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes());
            if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run jcmd", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
