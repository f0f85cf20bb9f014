package net.tally.plugin.core;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * Everything the three platforms share. A platform creates one, calls {@link #start()} when it is
 * enabled and {@link #stop()} when it is disabled, reports each login with {@link #join} and
 * passes /tally to {@link #command}. Nothing here blocks the calling thread on a file or the network.
 */
public final class TallyCore {
    /** Needed for /tally status and /tally flush (the console has it). */
    public static final String PERMISSION = "tally.admin";

    private final Sender sender;
    private final Commands commands;

    /** {@code platform} names the server software in logs and the User-Agent. */
    public TallyCore(String platform, Path dataFolder, Log log) {
        sender = new Sender(platform, dataFolder, log);
        commands = new Commands(sender);
    }

    /** Starts the background thread, which reads config.yml and the queue file. */
    public void start() {
        sender.start();
    }

    /** Writes what is still in memory to the queue file and stops the background thread. */
    public void stop() {
        sender.stop();
    }

    /** A login handler's whole work: queue a small record in memory and return. */
    public void join(String username, UUID uuid, String hostname) {
        sender.offer(new Entry.Join(username, uuid, hostname));
    }

    /** /tally with {@code args}; returns the lines to send back to whoever ran it. */
    public List<String> command(String[] args, boolean console, boolean permitted) {
        return commands.run(args, console, permitted);
    }

    /** "host:port", as the client typed it (no DNS lookup), or null. */
    public static String hostAndPort(InetSocketAddress address) {
        return address == null ? null : address.getHostString() + ":" + address.getPort();
    }
}
