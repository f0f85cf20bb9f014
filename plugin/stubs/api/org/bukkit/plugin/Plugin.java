package org.bukkit.plugin;

import java.io.File;
import java.util.logging.Logger;
import org.bukkit.Server;

/** Stub of Paper API 26.2 {@code org.bukkit.plugin.Plugin} (TabExecutor and Paper's extras left out). */
public interface Plugin {
    File getDataFolder();

    Server getServer();

    void onDisable();

    void onEnable();

    Logger getLogger();
}
