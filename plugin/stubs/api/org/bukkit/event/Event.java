package org.bukkit.event;

/** Stub of Paper API 26.2 {@code org.bukkit.event.Event} (handler lists left out). */
public abstract class Event {
    public Event() {
    }

    public Event(boolean isAsync) {
    }
}
