package org.bukkit.command;

import org.bukkit.permissions.Permissible;

/** Stub of Paper API 26.2 {@code org.bukkit.command.CommandSender} (Audience left out). */
public interface CommandSender extends Permissible {
    void sendMessage(String message);

    String getName();
}
