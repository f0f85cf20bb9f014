package com.velocitypowered.api.proxy;

import com.velocitypowered.api.command.CommandManager;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code ProxyServer} (Audience left out). */
public interface ProxyServer {
    CommandManager getCommandManager();
}
