package dev.baton.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real RabbitMQ broker of its own — a private {@code rabbitmq-server} node on a free loopback port with its own
 * data directory — for the usage-event tests (never the machine's shared 5672, which other work may use). The
 * README's test command installs {@code rabbitmq-server} where missing; without it the tests skip, unless
 * BATON_REQUIRE_RABBITMQ is set. It can be stopped mid-test.
 */
public class RabbitMqServer implements QuarkusTestResourceLifecycleManager {

    private static volatile RabbitMqServer current;
    private int port;
    private Process process;
    private Path directory;

    @Override
    public Map<String, String> start() {
        current = this;
        try {
            port = unused();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        launch();
        return Map.of("rabbitmq-host", "127.0.0.1", "rabbitmq-port", Integer.toString(port),
                "rabbitmq-username", "guest", "rabbitmq-password", "guest");
    }

    @Override
    public void stop() {
        kill();
    }

    public static RabbitMqServer current() {
        return current;
    }

    public int port() {
        return port;
    }

    private void launch() {
        File server = new File("/usr/sbin/rabbitmq-server");
        if (!server.canExecute()) {
            Assumptions.assumeTrue(System.getenv("BATON_REQUIRE_RABBITMQ") != null, "rabbitmq-server is not installed");
            throw new IllegalStateException("rabbitmq-server is not installed (apt install rabbitmq-server)");
        }
        try {
            directory = Files.createTempDirectory("baton-rabbitmq",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.writeString(directory.resolve("rabbitmq.conf"), "listeners.tcp.1 = 127.0.0.1:" + port + "\n");
            Files.writeString(directory.resolve("enabled_plugins"), "[].\n");
            for (String name : new String[] {"mnesia", "log"}) {
                Path sub = Files.createDirectories(directory.resolve(name));
                Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxrwxrwx"));
            }
            ProcessBuilder builder = new ProcessBuilder(server.getPath()).redirectErrorStream(true)
                    .redirectOutput(directory.resolve("out.log").toFile());
            Map<String, String> env = builder.environment();
            env.put("RABBITMQ_CONFIG_FILE", directory.resolve("rabbitmq").toString());
            env.put("RABBITMQ_NODENAME", "baton" + port + "@localhost");
            env.put("RABBITMQ_NODE_PORT", Integer.toString(port));
            env.put("RABBITMQ_DIST_PORT", Integer.toString(port + 20000 > 65000 ? port - 20000 : port + 20000));
            env.put("RABBITMQ_MNESIA_BASE", directory.resolve("mnesia").toString());
            env.put("RABBITMQ_LOG_BASE", directory.resolve("log").toString());
            env.put("RABBITMQ_ENABLED_PLUGINS_FILE", directory.resolve("enabled_plugins").toString());
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("rabbitmq-server did not start", e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!listening()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("rabbitmq-server is not listening on " + port + "; see "
                        + directory.resolve("out.log"));
            }
            sleep();
        }
    }

    private boolean listening() {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts the broker again on the same port, after {@link #kill()}. */
    public synchronized void restart() {
        if (process == null) {
            launch();
        }
    }

    /** Stops the broker and everything it started, and waits until its port is closed. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (listening() && System.nanoTime() < deadline) {
            sleep();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int unused() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
