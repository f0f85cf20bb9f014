package com.velocitypowered.api.event;

/** Stub of Velocity API 3.4.0-SNAPSHOT {@code PostOrder}. */
public enum PostOrder {
    FIRST, EARLY, NORMAL, LATE, LAST, CUSTOM
}
