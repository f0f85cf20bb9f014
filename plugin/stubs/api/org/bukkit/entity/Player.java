package org.bukkit.entity;

import java.util.UUID;
import org.bukkit.command.CommandSender;

/**
 * Stub of Paper API 26.2 {@code org.bukkit.entity.Player}: {@code getName} is declared in
 * HumanEntity and {@code getUniqueId} in Entity there.
 */
public interface Player extends CommandSender {
    String getName();

    UUID getUniqueId();
}
