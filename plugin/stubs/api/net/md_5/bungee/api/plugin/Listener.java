package net.md_5.bungee.api.plugin;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code Listener}. */
public interface Listener {
}
