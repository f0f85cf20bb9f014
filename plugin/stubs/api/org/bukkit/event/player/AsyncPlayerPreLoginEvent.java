package org.bukkit.event.player;

import java.net.InetAddress;
import java.util.UUID;
import org.bukkit.event.Event;

/**
 * Stub of Paper API 26.2 {@code org.bukkit.event.player.AsyncPlayerPreLoginEvent}, fired off the
 * main thread. {@code getHostname()} is Paper's; Spigot's class has no hostname.
 */
public class AsyncPlayerPreLoginEvent extends Event {
    private final String name;
    private final UUID uniqueId;
    private final String hostname;
    private Result result = Result.ALLOWED;

    /** Driver-only: the real constructors also take Paper's profile and connection types. */
    public AsyncPlayerPreLoginEvent(String name, InetAddress ipAddress, UUID uniqueId, String hostname) {
        super(true);
        this.name = name;
        this.uniqueId = uniqueId;
        this.hostname = hostname;
    }

    public Result getLoginResult() {
        return result;
    }

    public void setLoginResult(Result result) {
        this.result = result;
    }

    public String getName() {
        return name;
    }

    public UUID getUniqueId() {
        return uniqueId;
    }

    /** Host and port as the client sent them; blank when unknown. */
    public String getHostname() {
        return hostname;
    }

    public enum Result {
        ALLOWED, KICK_FULL, KICK_BANNED, KICK_WHITELIST, KICK_OTHER
    }
}
