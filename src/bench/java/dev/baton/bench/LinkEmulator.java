package dev.baton.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A network link between the agents and what they talk to, in user space (kernel netem needs privileges this
 * machine's tests do not have): a TCP relay on loopback that delivers each direction's bytes after a one-way delay
 * and no faster than the link's rate. A chunk read at time t leaves the link at
 * {@code max(t, when the previous chunk finished) + bytes / rate} (serialisation) and arrives {@code delay} later
 * (propagation), so a 200 KB request on 50 Mbit/s takes 32 ms plus the delay, and small frames pay only the delay.
 * At most {@link #IN_FLIGHT_BYTES} per direction are in the link; past that the relay stops reading, so TCP's own
 * flow control reaches the sender. TLS is not emulated (its handshake is once per connection; the agents keep
 * theirs open).
 */
final class LinkEmulator implements AutoCloseable {

    /** A link's shape: round-trip time and the rate of each direction. */
    record Profile(String name, double rttMs, double mbit) {
        static final Profile LOOPBACK = new Profile("loopback", 0, 0);

        boolean shaped() {
            return rttMs > 0 || mbit > 0;
        }
    }

    private static final int CHUNK = 16 * 1024;
    private static final long IN_FLIGHT_BYTES = 4L << 20;

    private final Profile profile;
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean closed;

    /** Starts relaying connections to {@code target} on a free loopback port. */
    LinkEmulator(Profile profile, URL target) {
        this.profile = profile;
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        try {
            server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the link's port", e);
        }
        daemon("link-accept-" + profile.name(), this::accept);
    }

    /** Where the agents connect: the far end is {@code target}, through the link. */
    URL url() {
        try {
            return new URL("http://127.0.0.1:" + server.getLocalPort());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(target, 5_000);
                } catch (IOException e) {
                    closeQuietly(client); // the agent sees the refusal at once, not after its deadline
                    throw e;
                }
                for (Socket socket : List.of(client, upstream)) {
                    socket.setTcpNoDelay(true);
                }
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger(2);
                Runnable directionDone = () -> { // both directions ended: the connection goes
                    if (open.decrementAndGet() == 0) {
                        closeQuietly(client);
                        closeQuietly(upstream);
                        synchronized (sockets) {
                            sockets.remove(client);
                            sockets.remove(upstream);
                        }
                    }
                };
                pipe(client, upstream, "up", directionDone);
                pipe(upstream, client, "down", directionDone);
            } catch (IOException e) {
                if (!closed) {
                    Bench.log("link " + profile.name() + ": " + e);
                }
            }
        }
    }

    /**
     * One direction: a reader that stamps each chunk with its arrival time, a writer that delivers it then and passes
     * the end of the stream on as a half close (the sockets' streams are never closed here: that closes the socket,
     * and the other direction with it).
     */
    private void pipe(Socket from, Socket to, String direction, Runnable done) {
        Direction queue = new Direction();
        daemon("link-read-" + direction, () -> {
            byte[] buffer = new byte[CHUNK];
            try {
                InputStream in = from.getInputStream();
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    queue.put(java.util.Arrays.copyOf(buffer, read), arrival(queue, read));
                }
            } catch (IOException e) {
                // the connection went away: the writer ends what is left
            }
            queue.put(null, arrival(queue, 0)); // end of stream, delivered after what came before it
        });
        daemon("link-write-" + direction, () -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Direction.Chunk chunk = queue.take();
                    long wait = chunk.arrivesAtNanos() - System.nanoTime();
                    while (wait > 0) {
                        LockSupport.parkNanos(wait);
                        wait = chunk.arrivesAtNanos() - System.nanoTime();
                    }
                    if (chunk.bytes() == null) {
                        to.shutdownOutput();
                        done.run();
                        return;
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException e) { // the far end went away: so does the connection
                queue.abandon();
                closeQuietly(from);
                closeQuietly(to);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** When a chunk of {@code bytes} read now reaches the far end. */
    private long arrival(Direction queue, int bytes) {
        long now = System.nanoTime();
        long serialisation = profile.mbit() <= 0 ? 0 : (long) (bytes * 8.0 / (profile.mbit() * 1e6) * 1e9);
        long leaves = Math.max(now, queue.lastLeftNanos) + serialisation;
        queue.lastLeftNanos = leaves;
        return leaves + (long) (profile.rttMs() / 2 * 1e6);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        synchronized (sockets) {
            sockets.forEach(LinkEmulator::closeQuietly);
        }
    }

    /** The chunks in one direction of the link, bounded in bytes: a full link blocks its reader. */
    private static final class Direction {
        record Chunk(byte[] bytes, long arrivesAtNanos) {
        }

        private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
        private long bytes;
        long lastLeftNanos; // only the reader thread touches it

        private boolean abandoned;

        /** Its writer is gone: what is put from now on is dropped, and a reader waiting for room goes on. */
        synchronized void abandon() {
            abandoned = true;
            chunks.clear();
            bytes = 0;
            notifyAll();
        }

        synchronized void put(byte[] chunk, long arrivesAtNanos) {
            int size = chunk == null ? 0 : chunk.length;
            if (abandoned) {
                return;
            }
            while (bytes + size > IN_FLIGHT_BYTES && !chunks.isEmpty() && !abandoned) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (abandoned) {
                return;
            }
            chunks.add(new Chunk(chunk, arrivesAtNanos));
            bytes += size;
            notifyAll();
        }

        synchronized Chunk take() throws InterruptedException {
            while (chunks.isEmpty()) {
                wait();
            }
            Chunk chunk = chunks.poll();
            bytes -= chunk.bytes() == null ? 0 : chunk.bytes().length;
            notifyAll();
            return chunk;
        }
    }
}
