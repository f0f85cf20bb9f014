package tally.driver;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import net.md_5.bungee.api.CommandSender;
import net.md_5.bungee.api.ProxyServer;
import net.md_5.bungee.api.chat.BaseComponent;
import net.md_5.bungee.api.chat.TextComponent;
import net.md_5.bungee.api.connection.PendingConnection;
import net.md_5.bungee.api.connection.ProxiedPlayer;
import net.md_5.bungee.api.event.PostLoginEvent;
import net.md_5.bungee.api.plugin.Plugin;
import net.md_5.bungee.api.plugin.PluginManager;

/**
 * BungeeCord: loads bungee.yml's main class, fills what Plugin#init would, enables it, and fires
 * PostLoginEvent and /tally through the (stub) PluginManager.
 */
final class BungeeHarness implements Harness {
    private Plugin plugin;
    private PluginManager manager;

    @Override
    public void boot(Path dataFolder) throws Exception {
        plugin = (Plugin) Class.forName(Driver.mainClass("bungee.yml", "^main:\\s*(\\S+)"))
                .getDeclaredConstructor().newInstance();
        ProxyServer proxy = new ProxyServer() {
            @Override
            public PluginManager getPluginManager() {
                return manager;
            }
        };
        manager = new PluginManager(proxy);
        Driver.setField(Plugin.class, plugin, "proxy", proxy);
        Driver.setField(Plugin.class, plugin, "logger", Harness.julLogger("bungee"));
        Driver.setField(Plugin.class, plugin, "dataFolder", dataFolder.toFile());
        plugin.onEnable();
    }

    /** Timed around PluginManager#callEvent, so the stub's dispatch is counted too. */
    @Override
    public Timed login(String name, UUID uuid, String host) {
        InetSocketAddress virtualHost = null;
        if (host != null) {
            String[] parts = Harness.hostAndPort(host);
            virtualHost = InetSocketAddress.createUnresolved(parts[0], Integer.parseInt(parts[1]));
        }
        PostLoginEvent event = new PostLoginEvent(new Online(name, uuid, virtualHost, false, null), null,
                (result, error) -> { });
        long started = System.nanoTime();
        manager.callEvent(event);
        return new Timed(System.nanoTime() - started, 1);
    }

    @Override
    public List<String> command(String role, String[] args) {
        List<String> lines = Driver.lines();
        CommandSender sender = role.equals("console") ? new Console(lines)
                : new Online(role, Driver.uuid(role), null, role.equals("admin"), lines);
        manager.dispatchCommand(sender, args.length == 0 ? "tally" : "tally " + String.join(" ", args));
        return lines;
    }

    @Override
    public void stop() {
        plugin.onDisable();
    }

    private static String text(BaseComponent message) {
        return ((TextComponent) message).getText();
    }

    private record Online(String name, UUID uuid, InetSocketAddress host, boolean admin, List<String> lines)
            implements ProxiedPlayer {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public UUID getUniqueId() {
            return uuid;
        }

        @Override
        public PendingConnection getPendingConnection() {
            return () -> host;
        }

        @Override
        public void sendMessage(BaseComponent message) {
            lines.add(text(message));
        }

        @Override
        public boolean hasPermission(String permission) {
            return admin;
        }
    }

    private record Console(List<String> lines) implements CommandSender {
        @Override
        public String getName() {
            return "CONSOLE";
        }

        @Override
        public void sendMessage(BaseComponent message) {
            lines.add(text(message));
        }

        @Override
        public boolean hasPermission(String permission) {
            return true;
        }
    }
}
