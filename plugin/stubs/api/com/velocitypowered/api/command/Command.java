package com.velocitypowered.api.command;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code Command} (BrigadierCommand left out of the permitted types). */
public sealed interface Command permits InvocableCommand {
}
