package com.velocitypowered.api.event.proxy;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code ProxyInitializeEvent}. */
public final class ProxyInitializeEvent {
}
