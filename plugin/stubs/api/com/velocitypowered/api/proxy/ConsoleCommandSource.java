package com.velocitypowered.api.proxy;

import com.velocitypowered.api.command.CommandSource;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code ConsoleCommandSource}. */
public interface ConsoleCommandSource extends CommandSource {
}
