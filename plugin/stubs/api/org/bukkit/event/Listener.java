package org.bukkit.event;

/** Stub of Paper API 26.2 {@code org.bukkit.event.Listener}. */
public interface Listener {
}
