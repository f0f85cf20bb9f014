package tally.driver;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** One platform, booted the way its server boots plugins. */
interface Harness {
    /** Time spent in the plugin's login handlers for one login, and how many handled it. */
    record Timed(long nanos, int handlers) {
    }

    void boot(Path dataFolder) throws Exception;

    Timed login(String name, UUID uuid, String host) throws Exception;

    /** {@code role}: console, player (no permission) or admin (a player with tally.admin). */
    List<String> command(String role, String[] args) throws Exception;

    void stop() throws Exception;

    static Harness of(String platform) {
        return switch (platform) {
            case "paper" -> new BukkitHarness(true);
            case "spigot" -> new BukkitHarness(false);
            case "velocity" -> new VelocityHarness();
            case "bungee" -> new BungeeHarness();
            default -> throw new IllegalArgumentException("unknown platform " + platform);
        };
    }

    static java.util.logging.Logger julLogger(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("tally.driver." + name);
        logger.setUseParentHandlers(false);
        logger.addHandler(new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                Driver.log(record.getLevel().getName(), record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        return logger;
    }

    /** "host:port" (port 25565 when left out) as a proxy reports it, unresolved; null for null. */
    static InetSocketAddress virtualHost(String host) {
        if (host == null) {
            return null;
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 ? InetSocketAddress.createUnresolved(host, 25565)
                : InetSocketAddress.createUnresolved(host.substring(0, colon), Integer.parseInt(host.substring(colon + 1)));
    }
}
