package net.tally.plugin.velocity;

import com.google.inject.Inject;
import com.velocitypowered.api.command.CommandManager;
import com.velocitypowered.api.event.Subscribe;
import com.velocitypowered.api.event.connection.PostLoginEvent;
import com.velocitypowered.api.event.proxy.ProxyInitializeEvent;
import com.velocitypowered.api.event.proxy.ProxyShutdownEvent;
import com.velocitypowered.api.plugin.Plugin;
import com.velocitypowered.api.plugin.annotation.DataDirectory;
import com.velocitypowered.api.proxy.Player;
import com.velocitypowered.api.proxy.ProxyServer;
import java.nio.file.Path;
import net.tally.plugin.core.Log;
import net.tally.plugin.core.TallyCore;
import org.slf4j.Logger;

/** Velocity (velocity-plugin.json): logins from PostLoginEvent with Player#getVirtualHost(). */
@Plugin(id = "tally", name = "Tally", version = "1.0.0", authors = {"Tally"},
        description = "Reports player joins to Tally and records purchases from your store's commands.")
public final class TallyVelocity {
    private final ProxyServer proxy;
    private final TallyCore core;

    @Inject
    public TallyVelocity(ProxyServer proxy, Logger logger, @DataDirectory Path dataDirectory) {
        this.proxy = proxy;
        this.core = new TallyCore("Velocity", dataDirectory, new Log(logger::info, logger::warn));
    }

    @Subscribe
    public void onInitialize(ProxyInitializeEvent event) {
        core.start();
        CommandManager commands = proxy.getCommandManager();
        commands.register(commands.metaBuilder("tally").plugin(this).build(), new VelocityCommand(core));
    }

    @Subscribe
    public void onShutdown(ProxyShutdownEvent event) {
        core.stop();
    }

    /** Quick and non-blocking, so Velocity may run it on the login's own thread. */
    @Subscribe(async = false)
    public void onPostLogin(PostLoginEvent event) {
        Player player = event.getPlayer();
        core.join(player.getUsername(), player.getUniqueId(),
                TallyCore.hostAndPort(player.getVirtualHost().orElse(null)));
    }
}
