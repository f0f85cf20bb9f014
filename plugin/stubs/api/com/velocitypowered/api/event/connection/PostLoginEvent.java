package com.velocitypowered.api.event.connection;

import com.velocitypowered.api.proxy.Player;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code PostLoginEvent}: fired once a player has logged in to the proxy. */
public final class PostLoginEvent {
    private final Player player;

    public PostLoginEvent(Player player) {
        this.player = player;
    }

    public Player getPlayer() {
        return player;
    }
}
