package org.bukkit;

import org.bukkit.plugin.PluginManager;

/** Stub of Paper API 26.2 {@code org.bukkit.Server}. */
public interface Server {
    PluginManager getPluginManager();
}
