package net.tally.plugin.bukkit;

import net.tally.plugin.core.TallyCore;
import org.bukkit.entity.Player;
import org.bukkit.event.EventHandler;
import org.bukkit.event.EventPriority;
import org.bukkit.event.Listener;
import org.bukkit.event.player.PlayerLoginEvent;

/** Spigot: the hostname from PlayerLoginEvent (main thread: the handler only queues a record). */
@SuppressWarnings("deprecation") // PlayerLoginEvent is deprecated on Paper, which uses PaperLogins
final class SpigotLogins implements Listener {
    private final TallyCore core;

    SpigotLogins(TallyCore core) {
        this.core = core;
    }

    @EventHandler(priority = EventPriority.MONITOR)
    public void onLogin(PlayerLoginEvent event) {
        if (event.getResult() == PlayerLoginEvent.Result.ALLOWED) {
            Player player = event.getPlayer();
            core.join(player.getName(), player.getUniqueId(), event.getHostname());
        }
    }
}
