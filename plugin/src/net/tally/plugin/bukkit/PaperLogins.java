package net.tally.plugin.bukkit;

import net.tally.plugin.core.TallyCore;
import org.bukkit.event.EventHandler;
import org.bukkit.event.EventPriority;
import org.bukkit.event.Listener;
import org.bukkit.event.player.AsyncPlayerPreLoginEvent;

/** Paper: the hostname from AsyncPlayerPreLoginEvent, once no plugin refused the login. */
final class PaperLogins implements Listener {
    private final TallyCore core;

    PaperLogins(TallyCore core) {
        this.core = core;
    }

    @EventHandler(priority = EventPriority.MONITOR)
    public void onPreLogin(AsyncPlayerPreLoginEvent event) {
        if (event.getLoginResult() == AsyncPlayerPreLoginEvent.Result.ALLOWED) {
            core.join(event.getName(), event.getUniqueId(), event.getHostname());
        }
    }
}
