package org.bukkit.event.player;

import java.net.InetAddress;
import org.bukkit.entity.Player;

/**
 * Stub of Paper API 26.2 {@code org.bukkit.event.player.PlayerLoginEvent}: Spigot's way to the
 * hostname; deprecated on Paper since 1.21.6.
 */
@Deprecated(since = "1.21.6")
public class PlayerLoginEvent extends PlayerEvent {
    private final String hostname;
    private Result result = Result.ALLOWED;

    public PlayerLoginEvent(Player player, String hostname, InetAddress address) {
        super(player);
        this.hostname = hostname;
    }

    /** The hostname the player connected to, with the port ("play.example.net:25565"). */
    public String getHostname() {
        return hostname;
    }

    public Result getResult() {
        return result;
    }

    public void setResult(Result result) {
        this.result = result;
    }

    public enum Result {
        ALLOWED, KICK_FULL, KICK_BANNED, KICK_WHITELIST, KICK_OTHER
    }
}
