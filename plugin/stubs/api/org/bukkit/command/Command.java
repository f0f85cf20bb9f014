package org.bukkit.command;

/** Stub of Paper API 26.2 {@code org.bukkit.command.Command} (only what the plugin and driver use). */
public abstract class Command {
    protected Command(String name) {
    }
}
