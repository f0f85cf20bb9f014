package com.velocitypowered.api.proxy;

import java.net.InetSocketAddress;
import java.util.Optional;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code InboundConnection}. */
public interface InboundConnection {
    /** The hostname and port the client connected to, if it sent one. */
    Optional<InetSocketAddress> getVirtualHost();
}
