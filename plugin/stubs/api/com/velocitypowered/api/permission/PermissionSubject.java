package com.velocitypowered.api.permission;

/**
 * Stub of Velocity API 3.4.0-SNAPSHOT {@code PermissionSubject}. The real default asks {@code getPermissionValue}, left
 * out here; the driver's sources override this method (driver-only body).
 */
public interface PermissionSubject {
    default boolean hasPermission(String permission) {
        throw new UnsupportedOperationException("stub");
    }
}
