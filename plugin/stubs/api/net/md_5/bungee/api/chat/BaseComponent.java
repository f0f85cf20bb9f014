package net.md_5.bungee.api.chat;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT (bungeecord-chat) {@code BaseComponent}. */
public abstract class BaseComponent {
}
