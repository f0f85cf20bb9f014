package tally.driver;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import net.md_5.bungee.api.CommandSender;
import net.md_5.bungee.api.ProxyServer;
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
        plugin = Driver.newMain("bungee.yml", Plugin.class);
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
        InetSocketAddress virtualHost = Harness.virtualHost(host);
        ProxiedPlayer player = Fake.of(ProxiedPlayer.class, null, "getName", name, "getUniqueId", uuid,
                "getPendingConnection", (PendingConnection) () -> virtualHost);
        PostLoginEvent event = new PostLoginEvent(player, null, (result, error) -> { });
        long started = System.nanoTime();
        manager.callEvent(event);
        return new Timed(System.nanoTime() - started, 1);
    }

    @Override
    public List<String> command(String role, String[] args) {
        List<String> lines = Driver.lines();
        CommandSender sender = role.equals("console")
                ? Fake.of(CommandSender.class, lines, "getName", "CONSOLE", "hasPermission", true)
                : Fake.of(ProxiedPlayer.class, lines, "getName", role, "hasPermission", role.equals("admin"));
        manager.dispatchCommand(sender, args.length == 0 ? "tally" : "tally " + String.join(" ", args));
        return lines;
    }

    @Override
    public void stop() {
        plugin.onDisable();
    }
}
