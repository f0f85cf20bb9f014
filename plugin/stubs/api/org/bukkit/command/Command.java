package org.bukkit.command;

/** Stub of Paper API 26.2 {@code org.bukkit.command.Command}. */
public abstract class Command {
    private final String name;

    protected Command(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }
}
