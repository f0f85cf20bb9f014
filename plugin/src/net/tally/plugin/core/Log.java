package net.tally.plugin.core;

import java.util.function.Consumer;
import java.util.logging.Logger;

/** Where the plugin's console lines go: each platform passes its logger's info and warning methods. */
public final class Log {
    private final Consumer<String> info;
    private final Consumer<String> warning;

    public Log(Consumer<String> info, Consumer<String> warning) {
        this.info = info;
        this.warning = warning;
    }

    /** A java.util.logging logger, as Bukkit and BungeeCord give plugins. */
    public static Log of(Logger logger) {
        return new Log(logger::info, logger::warning);
    }

    public void info(String message) {
        info.accept(message);
    }

    public void warn(String message) {
        warning.accept(message);
    }
}
