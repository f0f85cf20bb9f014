package net.md_5.bungee.api.chat;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT (bungeecord-chat) {@code TextComponent}. */
public final class TextComponent extends BaseComponent {
    private String text;

    public TextComponent(String text) {
        this.text = text;
    }

    public String getText() {
        return text;
    }
}
