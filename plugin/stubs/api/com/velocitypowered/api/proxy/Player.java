package com.velocitypowered.api.proxy;

import com.velocitypowered.api.command.CommandSource;
import java.util.UUID;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code Player}. */
public interface Player extends CommandSource, InboundConnection {
    String getUsername();

    UUID getUniqueId();
}
