package dev.baton.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free loopback port, started for the tests that need one (never a
 * shared 6379). The binary is found on the PATH ({@code BATON_REDIS_SERVER} overrides); the README's
 * test command installs it where missing. It can be stopped and started again mid-test.
 */
public class RedisServer implements QuarkusTestResourceLifecycleManager {

    private static volatile RedisServer current;
    private final boolean durable;
    private int port;
    private Process process;

    public RedisServer() {
        this(false);
    }

    /**
     * {@code durable}: every write is in an append-only file fsynced before Redis answers, so a SIGKILLed and restarted
     * server keeps every acknowledged write, as a production Redis with {@code appendfsync always} does.
     */
    public RedisServer(boolean durable) {
        this.durable = durable;
    }

    @Override
    public Map<String, String> start() {
        current = this;
        port = freePort();
        launch();
        return Map.of("baton.redis.url", url());
    }

    @Override
    public void stop() {
        kill();
    }

    public static RedisServer current() {
        return current;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** The port; a killed server launched again listens on the same one. */
    public int port() {
        return port;
    }

    /** The server's process id (to pause it with SIGSTOP, as a frozen or partitioned Redis). */
    public synchronized long pid() {
        return process.pid();
    }

    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public synchronized void launch() {
        String binary = System.getenv().getOrDefault("BATON_REDIS_SERVER", "redis-server");
        try {
            File dir = new File("target/redis-" + port);
            dir.mkdirs();
            process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", durable ? "yes" : "no", "--appendfsync", "always",
                    "--dir", dir.getAbsolutePath(), "--protected-mode", "no")
                    .redirectErrorStream(true).redirectOutput(new File("target/redis-" + port + ".log")).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + binary + " (install redis-server, or set BATON_REDIS_SERVER)", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!"+PONG".equals(command("PING"))) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("redis-server did not answer PING on port " + port);
            }
            try {
                Thread.sleep(20); // poll interval, bounded by the deadline above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Sends one inline command and returns the first reply line, or {@code null} when unreachable. */
    public String command(String inline) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** The string value of {@code key}, or {@code null} when it is absent or Redis is unreachable. */
    public String get(String key) {
        return bulk("GET " + key);
    }

    /** Sends one inline command answered by a bulk string (GET, INFO): its text, or {@code null} when none. */
    public String bulk(String inline) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            StringBuilder header = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                header.append((char) c);
            }
            in.read(); // '\n'
            if (header.length() == 0 || header.charAt(0) != '$' || header.toString().equals("$-1")) {
                return null;
            }
            byte[] value = new byte[Integer.parseInt(header.substring(1))];
            in.readFully(value);
            return new String(value, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
