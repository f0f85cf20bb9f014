package net.md_5.bungee.api;

import net.md_5.bungee.api.chat.BaseComponent;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code CommandSender}. */
public interface CommandSender {
    String getName();

    void sendMessage(BaseComponent message);

    boolean hasPermission(String permission);
}
