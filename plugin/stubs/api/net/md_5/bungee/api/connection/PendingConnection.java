package net.md_5.bungee.api.connection;

import java.net.InetSocketAddress;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code PendingConnection}. */
public interface PendingConnection extends Connection {
    /** The host address and port the client connected to, or null when it sent none. */
    InetSocketAddress getVirtualHost();
}
