package net.md_5.bungee.api;

import net.md_5.bungee.api.plugin.PluginManager;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code ProxyServer}. */
public abstract class ProxyServer {
    public abstract PluginManager getPluginManager();
}
