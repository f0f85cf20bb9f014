package net.md_5.bungee.api.config;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code ServerInfo} (members left out). */
public interface ServerInfo {
}
