package org.bukkit.command;

/** Stub of Paper API 26.2 {@code org.bukkit.command.RemoteConsoleCommandSender} (RCON). */
public interface RemoteConsoleCommandSender extends CommandSender {
}
