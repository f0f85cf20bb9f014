package net.md_5.bungee.api.event;

import net.md_5.bungee.api.Callback;
import net.md_5.bungee.api.plugin.Event;

/** Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code AsyncEvent} (intents left out). */
public class AsyncEvent<T> extends Event {
    private final Callback<T> done;

    public AsyncEvent(Callback<T> done) {
        this.done = done;
    }
}
