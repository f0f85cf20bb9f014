package net.tally.plugin.velocity;

import net.tally.plugin.core.Log;
import org.slf4j.Logger;

/** The plugin's console lines through the SLF4J logger Velocity injects. */
final class Slf4jLog implements Log {
    private final Logger logger;

    Slf4jLog(Logger logger) {
        this.logger = logger;
    }

    @Override
    public void info(String message) {
        logger.info(message);
    }

    @Override
    public void warn(String message) {
        logger.warn(message);
    }
}
