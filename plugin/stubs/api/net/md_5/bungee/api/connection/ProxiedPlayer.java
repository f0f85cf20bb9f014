package net.md_5.bungee.api.connection;

import java.util.UUID;
import net.md_5.bungee.api.CommandSender;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code ProxiedPlayer}. */
public interface ProxiedPlayer extends Connection, CommandSender {
    PendingConnection getPendingConnection();

    UUID getUniqueId();
}
