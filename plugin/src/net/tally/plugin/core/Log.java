package net.tally.plugin.core;

import java.util.logging.Logger;

/** Where the plugin's console lines go; each platform passes its own logger. */
public interface Log {
    void info(String message);

    void warn(String message);

    /** A java.util.logging logger, as Bukkit and BungeeCord give plugins. */
    static Log of(Logger logger) {
        return new Log() {
            @Override
            public void info(String message) {
                logger.info(message);
            }

            @Override
            public void warn(String message) {
                logger.warning(message);
            }
        };
    }
}
