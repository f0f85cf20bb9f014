package org.bukkit.plugin;

import org.bukkit.event.Event;
import org.bukkit.event.Listener;

/** Stub of Paper API 26.2 {@code org.bukkit.plugin.PluginManager}. */
public interface PluginManager {
    void callEvent(Event event) throws IllegalStateException;

    void registerEvents(Listener listener, Plugin plugin);
}
