package net.tally.plugin.bukkit;

import net.tally.plugin.core.TallyCore;
import org.bukkit.entity.Player;
import org.bukkit.event.EventHandler;
import org.bukkit.event.EventPriority;
import org.bukkit.event.Listener;
import org.bukkit.event.player.AsyncPlayerPreLoginEvent;
import org.bukkit.event.player.PlayerLoginEvent;

/**
 * The two login listeners, of which TallyBukkit registers exactly one, so that each login is
 * reported once. Bukkit calls a listener's @EventHandler methods by their event type, so each
 * event needs its own; both report a login that no plugin refused, at MONITOR priority.
 */
final class Logins {
    private Logins() {
    }

    /** Paper: the hostname from AsyncPlayerPreLoginEvent, off the main thread. */
    record Paper(TallyCore core) implements Listener {
        @EventHandler(priority = EventPriority.MONITOR)
        public void onPreLogin(AsyncPlayerPreLoginEvent event) {
            if (event.getLoginResult() == AsyncPlayerPreLoginEvent.Result.ALLOWED) {
                core.join(event.getName(), event.getUniqueId(), event.getHostname());
            }
        }
    }

    /**
     * Spigot, whose AsyncPlayerPreLoginEvent has no hostname: PlayerLoginEvent, on the main thread
     * (the handler only queues a record). Deprecated on Paper, which uses {@link Paper}.
     */
    @SuppressWarnings("deprecation")
    record Spigot(TallyCore core) implements Listener {
        @EventHandler(priority = EventPriority.MONITOR)
        public void onLogin(PlayerLoginEvent event) {
            if (event.getResult() == PlayerLoginEvent.Result.ALLOWED) {
                Player player = event.getPlayer();
                core.join(player.getName(), player.getUniqueId(), event.getHostname());
            }
        }
    }
}
