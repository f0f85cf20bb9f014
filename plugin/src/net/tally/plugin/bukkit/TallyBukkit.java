package net.tally.plugin.bukkit;

import net.tally.plugin.core.Log;
import net.tally.plugin.core.TallyCore;
import org.bukkit.command.Command;
import org.bukkit.command.CommandSender;
import org.bukkit.command.ConsoleCommandSender;
import org.bukkit.command.RemoteConsoleCommandSender;
import org.bukkit.event.Listener;
import org.bukkit.plugin.java.JavaPlugin;

/**
 * Paper and Spigot (plugin.yml). On Paper, logins are read from AsyncPlayerPreLoginEvent, off the
 * main thread; Spigot's AsyncPlayerPreLoginEvent has no hostname, so there PlayerLoginEvent is used
 * (deprecated on Paper since 1.21.6, where PlayerConnectionValidateLoginEvent replaces it).
 */
public final class TallyBukkit extends JavaPlugin {
    private static final String PAPER_MARKER = "io.papermc.paper.event.connection.PlayerConnectionValidateLoginEvent";

    private TallyCore core;

    @Override
    public void onEnable() {
        boolean paper = isPaper();
        core = new TallyCore(paper ? "Paper" : "Spigot", getDataFolder().toPath(), Log.of(getLogger()));
        core.start();
        Listener logins = paper ? new Logins.Paper(core) : new Logins.Spigot(core);
        getServer().getPluginManager().registerEvents(logins, this);
    }

    @Override
    public void onDisable() {
        if (core != null) {
            core.stop();
        }
    }

    @Override
    public boolean onCommand(CommandSender sender, Command command, String label, String[] args) {
        boolean console = sender instanceof ConsoleCommandSender || sender instanceof RemoteConsoleCommandSender;
        for (String line : core.command(args, console, sender.hasPermission(TallyCore.PERMISSION))) {
            sender.sendMessage(line);
        }
        return true;
    }

    private static boolean isPaper() {
        try {
            Class.forName(PAPER_MARKER);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
