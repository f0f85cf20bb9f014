package net.md_5.bungee.event;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT (bungeecord-event) {@code @EventHandler}. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface EventHandler {
    byte priority() default EventPriority.NORMAL;
}
