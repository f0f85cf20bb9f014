package net.md_5.bungee.api;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code Callback}. */
public interface Callback<V> {
    void done(V result, Throwable error);
}
