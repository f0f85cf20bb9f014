package org.bukkit.permissions;

/** Stub of Paper API 26.2 {@code org.bukkit.permissions.Permissible}. */
public interface Permissible {
    boolean hasPermission(String name);
}
