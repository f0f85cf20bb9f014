package com.velocitypowered.api.command;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code CommandMeta}. */
public interface CommandMeta {
    interface Builder {
        Builder aliases(String... aliases);

        Builder plugin(Object plugin);

        CommandMeta build();
    }
}
