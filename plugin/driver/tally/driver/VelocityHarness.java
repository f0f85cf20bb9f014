package tally.driver;

import com.google.inject.Inject;
import com.velocitypowered.api.command.Command;
import com.velocitypowered.api.command.CommandManager;
import com.velocitypowered.api.command.CommandMeta;
import com.velocitypowered.api.command.CommandSource;
import com.velocitypowered.api.command.SimpleCommand;
import com.velocitypowered.api.event.Subscribe;
import com.velocitypowered.api.event.connection.PostLoginEvent;
import com.velocitypowered.api.event.proxy.ProxyInitializeEvent;
import com.velocitypowered.api.event.proxy.ProxyShutdownEvent;
import com.velocitypowered.api.plugin.annotation.DataDirectory;
import com.velocitypowered.api.proxy.ConsoleCommandSource;
import com.velocitypowered.api.proxy.Player;
import com.velocitypowered.api.proxy.ProxyServer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Parameter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Velocity: loads velocity-plugin.json's main class through its @Inject constructor (as Guice
 * would: ProxyServer, SLF4J Logger, @DataDirectory Path), registers the instance's @Subscribe
 * methods (Velocity registers the main instance itself) and fires ProxyInitializeEvent.
 */
final class VelocityHarness implements Harness {
    private final Listeners listeners = new Listeners();
    private final Map<String, Command> commands = new ConcurrentHashMap<>();

    @Override
    public void boot(Path dataFolder) throws Exception {
        Class<?> main = Class.forName(Driver.mainClass("velocity-plugin.json", "\"main\"\\s*:\\s*\"([^\"]+)\""));
        Constructor<?> constructor = null;
        for (Constructor<?> candidate : main.getConstructors()) {
            if (candidate.isAnnotationPresent(Inject.class)) {
                constructor = candidate;
            }
        }
        if (constructor == null) {
            throw new IllegalStateException(main + " has no @Inject constructor");
        }
        Object[] values = new Object[constructor.getParameterCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = inject(constructor.getParameters()[i], dataFolder);
        }
        Object plugin = constructor.newInstance(values);
        listeners.register(plugin, Subscribe.class);
        listeners.fire(new ProxyInitializeEvent());
    }

    private Object inject(Parameter parameter, Path dataFolder) {
        Class<?> type = parameter.getType();
        if (type == ProxyServer.class) {
            return (ProxyServer) this::commandManager;
        }
        if (type == org.slf4j.Logger.class) {
            return new Slf4j();
        }
        if (type == Path.class && parameter.isAnnotationPresent(DataDirectory.class)) {
            return dataFolder;
        }
        throw new IllegalStateException("cannot inject " + parameter);
    }

    private CommandManager commandManager() {
        return new CommandManager() {
            @Override
            public CommandMeta.Builder metaBuilder(String alias) {
                return new CommandMeta.Builder() {
                    @Override
                    public CommandMeta.Builder aliases(String... aliases) {
                        return this;
                    }

                    @Override
                    public CommandMeta.Builder plugin(Object plugin) {
                        return this;
                    }

                    @Override
                    public CommandMeta build() {
                        return new Meta(alias);
                    }
                };
            }

            @Override
            public void register(CommandMeta meta, Command command) {
                commands.put(((Meta) meta).alias(), command);
            }
        };
    }

    private record Meta(String alias) implements CommandMeta {
    }

    @Override
    public Timed login(String name, UUID uuid, String host) throws Exception {
        return listeners.fire(new PostLoginEvent(Fake.of(Player.class, null, "getUsername", name,
                "getUniqueId", uuid, "getVirtualHost", Optional.ofNullable(Harness.virtualHost(host)))));
    }

    @Override
    public List<String> command(String role, String[] args) {
        List<String> lines = Driver.lines();
        CommandSource source = role.equals("console") ? Fake.of(ConsoleCommandSource.class, lines, "hasPermission", true)
                : Fake.of(CommandSource.class, lines, "hasPermission", role.equals("admin"));
        SimpleCommand command = (SimpleCommand) commands.get("tally");
        command.execute(new SimpleCommand.Invocation() {
            @Override
            public String alias() {
                return "tally";
            }

            @Override
            public CommandSource source() {
                return source;
            }

            @Override
            public String[] arguments() {
                return args;
            }
        });
        return lines;
    }

    @Override
    public void stop() throws Exception {
        listeners.fire(new ProxyShutdownEvent());
    }

    private static final class Slf4j implements org.slf4j.Logger {
        @Override
        public void info(String msg) {
            Driver.log("INFO", msg);
        }

        @Override
        public void warn(String msg) {
            Driver.log("WARNING", msg);
        }

        @Override
        public void error(String msg) {
            Driver.log("SEVERE", msg);
        }
    }
}
