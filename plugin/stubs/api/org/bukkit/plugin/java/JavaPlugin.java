package org.bukkit.plugin.java;

import java.io.File;
import java.util.logging.Logger;
import org.bukkit.Server;
import org.bukkit.command.Command;
import org.bukkit.command.CommandSender;
import org.bukkit.plugin.PluginBase;

/**
 * Stub of Paper API 26.2 {@code org.bukkit.plugin.java.JavaPlugin}. The server fills these fields
 * through {@code init(...)}; the driver sets them by reflection (driver-only).
 */
public abstract class JavaPlugin extends PluginBase {
    private File dataFolder;
    private Server server;
    private Logger logger;

    public JavaPlugin() {
    }

    public final File getDataFolder() {
        return dataFolder;
    }

    public final Server getServer() {
        return server;
    }

    public boolean onCommand(CommandSender sender, Command command, String label, String[] args) {
        return false;
    }

    public void onLoad() {
    }

    public void onDisable() {
    }

    public void onEnable() {
    }

    public Logger getLogger() {
        return logger;
    }
}
