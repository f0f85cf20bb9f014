package com.velocitypowered.api.command;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code CommandManager}. */
public interface CommandManager {
    CommandMeta.Builder metaBuilder(String alias);

    void register(CommandMeta meta, Command command);
}
