package com.velocitypowered.api.command;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code InvocableCommand} (RawCommand left out of the permitted types). */
public sealed interface InvocableCommand<I extends CommandInvocation<?>> extends Command
        permits SimpleCommand {
    void execute(I invocation);

    default boolean hasPermission(I invocation) {
        return true;
    }
}
