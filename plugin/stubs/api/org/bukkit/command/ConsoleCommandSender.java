package org.bukkit.command;

/** Stub of Paper API 26.2 {@code org.bukkit.command.ConsoleCommandSender}. */
public interface ConsoleCommandSender extends CommandSender {
}
