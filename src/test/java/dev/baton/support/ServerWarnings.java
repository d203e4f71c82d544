package dev.baton.support;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/**
 * The last warnings Baton logged in this JVM (a {@code @QuarkusTest}'s application runs in it), for a failing
 * assertion to say why the server answered as it did: CI shows only the end of a run's output.
 */
public final class ServerWarnings {

    private static final int KEPT = 20;
    private static final Deque<String> RECENT = new ArrayDeque<>();
    private static final Logger BATON = Logger.getLogger("dev.baton");

    static {
        BATON.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() < Level.WARNING.intValue()) {
                    return;
                }
                String message = record instanceof ExtLogRecord formatted ? formatted.getFormattedMessage()
                        : record.getMessage();
                synchronized (RECENT) {
                    RECENT.addLast(record.getLoggerName() + ": " + message);
                    while (RECENT.size() > KEPT) {
                        RECENT.removeFirst();
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    private ServerWarnings() {
    }

    /** Starts keeping warnings (idempotent). */
    public static void watch() {
        // the static initializer attached the handler
    }

    /** The warnings kept, oldest first, with the test Redis server's state when there is one. */
    public static String recent() {
        List<String> lines;
        synchronized (RECENT) {
            lines = new ArrayList<>(RECENT);
        }
        RedisServer redis = RedisServer.current();
        String clients = redis == null ? null : redis.bulk("INFO clients");
        String redisState = redis == null ? "" : "\n  test redis-server on " + redis.port() + " answers PING with "
                + redis.command("PING") + "; " + (clients == null ? "no INFO" : clients.replace("\r\n", " "));
        return "\nlast server warnings:\n  " + String.join("\n  ", lines) + redisState;
    }
}
