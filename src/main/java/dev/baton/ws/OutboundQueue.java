package dev.baton.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * One connection's outbound frames, written straight to its Netty channel and flushed once per pass of
 * the event loop, bounded in bytes: past {@code limitBytes} unsent ({@link #full()}) writers park a
 * continuation with {@link #whenWritable} instead of producing more, so a slow reader pauses the engine
 * streams of its connection rather than growing memory. {@link #stalledNanos} lets the session close a
 * connection whose reader stopped reading. With permessage-deflate negotiated, frames under
 * {@code compressFromBytes} are sent uncompressed (as the ws and OkHttp clients do with theirs): a delta
 * of a few dozen bytes gains nothing from deflate, and inflating each one costs its reader more than
 * anything else it does. Event-loop confined.
 */
final class OutboundQueue {

    /** Continuations run inline at most this many times in a row before yielding the event loop. */
    static final int INLINE_BURST = 64;
    private static final String WATCH = "baton-outbound";
    private static final String PLAIN = "baton-outbound-plain";

    private final Channel channel;
    private final ChannelHandlerContext frames; // writes from here go through the deflate encoder, if any
    private ChannelHandlerContext plain; // writes from here skip it; null until found, or when there is none
    private boolean lookForDeflate;
    private final int compressFromBytes;
    private final long hardLimitBytes;
    /** Promise of every frame: a failed write (the peer went away) is not reported once per queued frame. */
    private final ChannelPromise quiet;
    private final SocketMetrics metrics;
    private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();
    private final Runnable flush = this::flush;
    private boolean flushScheduled;
    private long unwritableSinceNanos;
    private int inlineRuns;
    private boolean closed;
    private boolean closeFrameSent;

    /**
     * @param channel           the upgraded connection's channel
     * @param deflateOffered    whether the client offered permessage-deflate (then the encoder is looked for)
     * @param compressFromBytes the smallest frame deflated when the extension is on (0: every frame)
     * @param limitBytes        unsent bytes past which the queue is full (it has room again at half); twice
     *                          that is {@link #overflowing()}
     */
    OutboundQueue(Channel channel, boolean deflateOffered, int compressFromBytes, int limitBytes, SocketMetrics metrics) {
        this.channel = channel;
        this.compressFromBytes = compressFromBytes;
        this.lookForDeflate = deflateOffered && compressFromBytes > 0;
        this.metrics = metrics;
        this.hardLimitBytes = 2L * limitBytes;
        this.quiet = new VoidChannelPromise(channel, false);
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(Math.max(1, limitBytes / 2), Math.max(2, limitBytes)));
        ChannelPipeline pipeline = channel.pipeline();
        String last = lastHandlerName(pipeline);
        pipeline.addBefore(last, WATCH, new Watch());
        this.frames = pipeline.context(WATCH);
        metrics.outboundOpened(this);
    }

    /** Writes a frame of UTF-8 JSON (the queue takes the buffer); flushed at the end of this pass of the loop. */
    void send(ByteBuf utf8) {
        if (closed || closeFrameSent || !channel.isActive()) {
            utf8.release();
            return;
        }
        if (lookForDeflate) {
            lookForDeflate = false;
            try {
                findDeflateEncoder(); // by the first frame out the handshake's answer is written: now or never
            } catch (RuntimeException e) {
                utf8.release();
                throw e;
            }
        }
        ChannelHandlerContext via = plain != null && utf8.readableBytes() < compressFromBytes ? plain : frames;
        via.write(new TextWebSocketFrame(utf8), quiet);
        if (!flushScheduled) {
            flushScheduled = true;
            channel.eventLoop().execute(flush);
        }
    }

    void send(String frame) {
        send(Unpooled.wrappedBuffer(frame.getBytes(StandardCharsets.UTF_8)));
    }

    boolean full() {
        if (channel.isWritable()) {
            return false;
        }
        if (unwritableSinceNanos == 0) {
            unwritableSinceNanos = System.nanoTime();
        }
        return true;
    }

    /**
     * Whether unsent bytes passed twice the limit: only frames nobody asked for get there (answers to a
     * client that keeps sending while it reads nothing), so the session closes the connection.
     */
    boolean overflowing() {
        return !channel.isWritable() && pendingBytes() > hardLimitBytes;
    }

    /**
     * Runs {@code continuation} if there is room, else once the reader took enough. Writes to a fast
     * reader always find room, so every {@link #INLINE_BURST} runs the continuation is queued on the
     * event loop instead, letting the loop's other connections in.
     */
    void whenWritable(Runnable continuation) {
        if (closed || closeFrameSent) {
            return;
        }
        if (full()) {
            waiters.add(continuation);
            flushNow(); // what waits must reach the socket for the reader to make room
        } else if (++inlineRuns % INLINE_BURST == 0) {
            channel.eventLoop().execute(continuation);
        } else {
            continuation.run();
        }
    }

    /** Whether the caller runs on the connection's event loop. */
    boolean onLoop() {
        return channel.eventLoop().inEventLoop();
    }

    /** Bytes written and not yet taken by the kernel. */
    long pendingBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** How long the queue has been full without the reader making room; 0 when it has room. */
    long stalledNanos() {
        return full() ? System.nanoTime() - unwritableSinceNanos : 0;
    }

    /**
     * Drops the TCP connection at once, discarding what its reader never took (closing it through Vert.x
     * would first wait for those bytes to be written, which a reader that stopped reading never allows).
     */
    void abort() {
        channel.close();
    }

    /** The connection closed: waiters are dropped (their turns are cancelled); the handlers go with the channel. */
    void close() {
        closed = true;
        waiters.clear();
        metrics.outboundClosed(this);
    }

    private void flush() {
        flushScheduled = false;
        flushNow();
    }

    private void flushNow() {
        if (!closed) {
            frames.flush();
        }
    }

    private void writable() {
        unwritableSinceNanos = 0;
        while (!waiters.isEmpty() && channel.isWritable()) {
            waiters.poll().run();
        }
    }

    /**
     * The deflate encoder goes in when the handshake's answer is written; a handler just before it
     * (nearer the socket) lets frames skip it.
     */
    private void findDeflateEncoder() {
        ChannelPipeline pipeline = channel.pipeline();
        for (Map.Entry<String, ChannelHandler> handler : pipeline) {
            if (handler.getValue() instanceof WebSocketExtensionEncoder) {
                pipeline.addBefore(handler.getKey(), PLAIN, new ChannelDuplexHandler());
                plain = pipeline.context(PLAIN);
                return;
            }
            if (handler.getValue() instanceof Watch) {
                return; // the deflate encoder would be ahead of ours: there is none
            }
        }
    }

    /** The name of the last handler (Vert.x's): ours goes just before it, after the codecs and the extensions. */
    private static String lastHandlerName(ChannelPipeline pipeline) {
        String last = null;
        for (Map.Entry<String, ChannelHandler> handler : pipeline) {
            last = handler.getKey();
        }
        if (last == null) {
            throw new IllegalStateException("the connection has no handlers");
        }
        return last;
    }

    /**
     * Hears the channel become writable again (the reader took enough of what waited), and sees the close
     * frame go out (Vert.x writes it before the session hears of the close): no data frame may follow it.
     */
    private final class Watch extends ChannelDuplexHandler {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof CloseWebSocketFrame) {
                closeFrameSent = true;
                waiters.clear();
            }
            super.write(ctx, msg, promise);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                writable();
            }
            super.channelWritabilityChanged(ctx);
        }
    }
}
