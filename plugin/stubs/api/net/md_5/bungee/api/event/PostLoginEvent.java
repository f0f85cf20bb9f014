package net.md_5.bungee.api.event;

import net.md_5.bungee.api.Callback;
import net.md_5.bungee.api.config.ServerInfo;
import net.md_5.bungee.api.connection.ProxiedPlayer;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code PostLoginEvent}: the player has logged in to the proxy. */
public class PostLoginEvent extends AsyncEvent<PostLoginEvent> {
    private final ProxiedPlayer player;
    private ServerInfo target;

    public PostLoginEvent(ProxiedPlayer player, ServerInfo target, Callback<PostLoginEvent> done) {
        super(done);
        this.player = player;
        this.target = target;
    }

    public ProxiedPlayer getPlayer() {
        return player;
    }
}
