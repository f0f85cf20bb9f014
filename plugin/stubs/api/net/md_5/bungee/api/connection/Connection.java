package net.md_5.bungee.api.connection;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code Connection} (members left out). */
public interface Connection {
}
