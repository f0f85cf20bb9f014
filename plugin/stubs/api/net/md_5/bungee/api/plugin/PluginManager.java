package net.md_5.bungee.api.plugin;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import net.md_5.bungee.api.CommandSender;
import net.md_5.bungee.api.ProxyServer;
import net.md_5.bungee.event.EventHandler;

/**
 * Stub of BungeeCord API 26.1-R0.1-SNAPSHOT {@code PluginManager}. The real one has an event bus and a command map; this
 * body is a small driver-only version of both, enough for the test driver.
 */
public final class PluginManager {
    private final List<Object> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Command> commands = new ConcurrentHashMap<>();

    public PluginManager(ProxyServer proxy) {
    }

    public void registerCommand(Plugin plugin, Command command) {
        commands.put(command.getName().toLowerCase(), command);
    }

    public boolean dispatchCommand(CommandSender sender, String commandLine) {
        String[] split = commandLine.split(" ", -1);
        Command command = commands.get(split[0].toLowerCase());
        if (command == null) {
            return false;
        }
        String[] args = new String[split.length - 1];
        System.arraycopy(split, 1, args, 0, args.length);
        command.execute(sender, args);
        return true;
    }

    public <T extends Event> T callEvent(T event) {
        for (Object listener : listeners) {
            for (Method method : listener.getClass().getMethods()) {
                if (method.isAnnotationPresent(EventHandler.class) && method.getParameterCount() == 1
                        && method.getParameterTypes()[0].isInstance(event)) {
                    invoke(method, listener, event);
                }
            }
        }
        return event;
    }

    public void registerListener(Plugin plugin, Listener listener) {
        listeners.add(listener);
    }

    private static void invoke(Method method, Object listener, Object event) {
        try {
            method.invoke(listener, event);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }
}
