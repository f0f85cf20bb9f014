package net.md_5.bungee.api.plugin;

import java.io.File;
import java.util.logging.Logger;
import net.md_5.bungee.api.ProxyServer;

/**
 * Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code Plugin}. The proxy fills these fields through {@code init(...)} and
 * derives the data folder from its plugins folder; the driver sets them by reflection
 * (driver-only).
 */
public class Plugin {
    private ProxyServer proxy;
    private Logger logger;
    private File dataFolder;

    public Plugin() {
    }

    public void onLoad() {
    }

    public void onEnable() {
    }

    public void onDisable() {
    }

    public final File getDataFolder() {
        return dataFolder;
    }

    public ProxyServer getProxy() {
        return proxy;
    }

    public Logger getLogger() {
        return logger;
    }
}
