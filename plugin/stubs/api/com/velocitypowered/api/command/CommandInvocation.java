package com.velocitypowered.api.command;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code CommandInvocation}. */
public interface CommandInvocation<T> {
    CommandSource source();

    T arguments();
}
