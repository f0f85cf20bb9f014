package org.bukkit.plugin;

/** Stub of Paper API 26.2 {@code org.bukkit.plugin.PluginBase}. */
public abstract class PluginBase implements Plugin {
}
