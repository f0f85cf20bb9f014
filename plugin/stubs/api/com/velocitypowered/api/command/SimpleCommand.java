package com.velocitypowered.api.command;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code SimpleCommand}. */
public non-sealed interface SimpleCommand extends InvocableCommand<SimpleCommand.Invocation> {
    interface Invocation extends CommandInvocation<String[]> {
        String alias();
    }
}
