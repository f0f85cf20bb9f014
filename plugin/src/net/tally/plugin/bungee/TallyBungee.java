package net.tally.plugin.bungee;

import net.md_5.bungee.api.CommandSender;
import net.md_5.bungee.api.chat.TextComponent;
import net.md_5.bungee.api.connection.PendingConnection;
import net.md_5.bungee.api.connection.ProxiedPlayer;
import net.md_5.bungee.api.event.PostLoginEvent;
import net.md_5.bungee.api.plugin.Command;
import net.md_5.bungee.api.plugin.Listener;
import net.md_5.bungee.api.plugin.Plugin;
import net.md_5.bungee.event.EventHandler;
import net.tally.plugin.core.Log;
import net.tally.plugin.core.TallyCore;

/** BungeeCord and Waterfall (bungee.yml): logins from PostLoginEvent with PendingConnection#getVirtualHost(). */
public final class TallyBungee extends Plugin implements Listener {
    private TallyCore core;

    @Override
    public void onEnable() {
        core = new TallyCore("BungeeCord", getDataFolder().toPath(), Log.of(getLogger()));
        core.start();
        getProxy().getPluginManager().registerListener(this, this);
        getProxy().getPluginManager().registerCommand(this, new TallyCommand(core));
    }

    @Override
    public void onDisable() {
        if (core != null) {
            core.stop();
        }
    }

    @EventHandler
    public void onPostLogin(PostLoginEvent event) {
        ProxiedPlayer player = event.getPlayer();
        PendingConnection connection = player.getPendingConnection();
        core.join(player.getName(), player.getUniqueId(), TallyCore.hostAndPort(connection.getVirtualHost()));
    }

    /** /tally on BungeeCord. */
    static final class TallyCommand extends Command {
        private final TallyCore core;

        TallyCommand(TallyCore core) {
            super("tally");
            this.core = core;
        }

        @Override
        public void execute(CommandSender sender, String[] args) {
            boolean console = !(sender instanceof ProxiedPlayer);
            for (String line : core.command(args, console, sender.hasPermission(TallyCore.PERMISSION))) {
                sender.sendMessage(new TextComponent(line));
            }
        }
    }
}
