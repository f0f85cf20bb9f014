package org.bukkit.event.player;

import org.bukkit.entity.Player;
import org.bukkit.event.Event;

/** Stub of Paper API 26.2 {@code org.bukkit.event.player.PlayerEvent}. */
public abstract class PlayerEvent extends Event {
    protected Player player;

    public PlayerEvent(Player who) {
        player = who;
    }

    public final Player getPlayer() {
        return player;
    }
}
