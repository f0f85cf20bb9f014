package tally.driver;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.bukkit.Server;
import org.bukkit.command.Command;
import org.bukkit.command.CommandSender;
import org.bukkit.command.ConsoleCommandSender;
import org.bukkit.entity.Player;
import org.bukkit.event.Event;
import org.bukkit.event.EventHandler;
import org.bukkit.event.Listener;
import org.bukkit.event.player.AsyncPlayerPreLoginEvent;
import org.bukkit.event.player.PlayerLoginEvent;
import org.bukkit.plugin.Plugin;
import org.bukkit.plugin.PluginManager;
import org.bukkit.plugin.java.JavaPlugin;

/**
 * Paper or Spigot: loads plugin.yml's main class, fills what JavaPlugin#init would, enables it, and
 * fires both login events a server fires for each login. Booted as Spigot, the Paper-only stub
 * classes are left off the classpath, as they are absent from a Spigot server.
 */
final class BukkitHarness implements Harness {
    private final boolean paper;
    private final Listeners listeners = new Listeners();
    private JavaPlugin plugin;

    BukkitHarness(boolean paper) {
        this.paper = paper;
    }

    @Override
    public void boot(Path dataFolder) throws Exception {
        plugin = Driver.newMain("plugin.yml", JavaPlugin.class);
        PluginManager manager = new PluginManager() {
            @Override
            public void callEvent(Event event) {
                try {
                    listeners.fire(event);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void registerEvents(Listener listener, Plugin owner) {
                listeners.register(listener, EventHandler.class);
            }
        };
        Server server = () -> manager;
        Driver.setField(JavaPlugin.class, plugin, "dataFolder", dataFolder.toFile());
        Driver.setField(JavaPlugin.class, plugin, "server", server);
        Driver.setField(JavaPlugin.class, plugin, "logger", Harness.julLogger(paper ? "paper" : "spigot"));
        plugin.onEnable();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Timed login(String name, UUID uuid, String host) throws Exception {
        InetAddress address = InetAddress.getLoopbackAddress();
        String hostname = host == null ? "" : host;
        Timed pre = listeners.fire(new AsyncPlayerPreLoginEvent(name, address, uuid, hostname));
        Player player = Fake.of(Player.class, null, "getName", name, "getUniqueId", uuid);
        Timed login = listeners.fire(new PlayerLoginEvent(player, hostname, address));
        return new Timed(pre.nanos() + login.nanos(), pre.handlers() + login.handlers());
    }

    @Override
    public List<String> command(String role, String[] args) {
        List<String> lines = Driver.lines();
        CommandSender sender = role.equals("console")
                ? Fake.of(ConsoleCommandSender.class, lines, "getName", "CONSOLE", "hasPermission", true)
                : Fake.of(Player.class, lines, "getName", role, "getUniqueId", Driver.uuid(role),
                        "hasPermission", role.equals("admin"));
        plugin.onCommand(sender, new Command("tally") { }, "tally", args);
        return lines;
    }

    @Override
    public void stop() {
        plugin.onDisable();
    }
}
