package io.papermc.paper.event.connection;

import org.bukkit.event.Event;

/**
 * Stub of Paper API 26.2 {@code PlayerConnectionValidateLoginEvent} (Paper 1.21.6+, where
 * PlayerLoginEvent is deprecated). The plugin only checks that the class exists.
 */
public class PlayerConnectionValidateLoginEvent extends Event {
}
