package com.velocitypowered.api.command;

import com.velocitypowered.api.permission.PermissionSubject;

/**
 * Stub of Velocity API 3.4.0-SNAPSHOT {@code CommandSource} (Audience left out). The real default sends
 * {@code Component.text(message)}; the driver's sources override it (driver-only body).
 */
public interface CommandSource extends PermissionSubject {
    default void sendPlainMessage(String message) {
        throw new UnsupportedOperationException("stub");
    }
}
