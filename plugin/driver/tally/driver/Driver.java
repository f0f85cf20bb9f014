package tally.driver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.tally.plugin.core.Json;

/**
 * Test driver (never shipped): boots one platform's entry point of tally.jar against the API stubs,
 * the way that server would, and takes commands on stdin, one per line:
 *
 * <pre>
 * boot paper|spigot|velocity|bungee DATA_FOLDER
 * login NAME HOST            (HOST "-": the client sent none)
 * burst COUNT THREADS SECONDS HOST[,HOST...] PREFIX
 * command console|player|admin ARGS...   (split on single spaces, as the proxies split them)
 * stop                       (the server shuts down cleanly)
 * kill                       (the process dies at once, as with kill -9)
 * </pre>
 *
 * Every command answers one JSON line {"ok": VERB, ...}; what the plugin logs comes as
 * {"log": LEVEL, "msg": TEXT} lines in between.
 */
public final class Driver {
    private Driver() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Harness harness = null;
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.split(" ", -1); // empty words kept: a console line may end in a space
            try {
                switch (words[0]) {
                    case "boot" -> {
                        harness = Harness.of(words[1]);
                        harness.boot(Path.of(words[2]));
                        answer("boot", "");
                    }
                    case "login" -> {
                        String host = words[2].equals("-") ? null : words[2];
                        Harness.Timed timed = harness.login(words[1], uuid(words[1]), host);
                        answer("login", ",\"nanos\":" + timed.nanos() + ",\"handlers\":" + timed.handlers());
                    }
                    case "burst" -> answer("burst", Burst.run(harness, words));
                    case "command" -> {
                        String[] rest = Arrays.copyOfRange(words, 2, words.length);
                        answer("command", ",\"reply\":" + Json.write(harness.command(words[1], rest)));
                    }
                    case "stop" -> {
                        harness.stop();
                        answer("stop", "");
                    }
                    case "kill" -> Runtime.getRuntime().halt(137);
                    default -> throw new IllegalArgumentException("unknown command " + words[0]);
                }
            } catch (Exception | Error e) {
                emit("{\"ok\":" + Json.quote(words[0]) + ",\"error\":" + Json.quote(e.toString()) + "}");
            }
        }
    }

    static UUID uuid(String name) {
        return UUID.nameUUIDFromBytes(("OfflinePlayer:" + name).getBytes(StandardCharsets.UTF_8));
    }

    static void answer(String verb, String fields) {
        emit("{\"ok\":" + Json.quote(verb) + fields + "}");
    }

    static void log(String level, String message) {
        emit("{\"log\":" + Json.quote(level) + ",\"msg\":" + Json.quote(message) + "}");
    }

    static synchronized void emit(String json) {
        System.out.println(json);
        System.out.flush();
    }

    /** The main class named in a descriptor inside the jar (plugin.yml, bungee.yml, velocity-plugin.json). */
    static String mainClass(String descriptor, String pattern) throws IOException {
        try (InputStream stream = Driver.class.getResourceAsStream("/" + descriptor)) {
            if (stream == null) {
                throw new IOException(descriptor + " is not in the jar");
            }
            Matcher main = Pattern.compile(pattern, Pattern.MULTILINE)
                    .matcher(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            if (!main.find()) {
                throw new IOException(descriptor + " names no main class");
            }
            return main.group(1).strip();
        }
    }

    /** A new instance of the main class a YAML descriptor names (plugin.yml, bungee.yml), as Bukkit and BungeeCord make it. */
    static <T> T newMain(String descriptor, Class<T> type) throws ReflectiveOperationException, IOException {
        return type.cast(Class.forName(mainClass(descriptor, "^main:\\s*(\\S+)")).getDeclaredConstructor().newInstance());
    }

    /** Sets a private field of a stub class (how the real server fills it is not in the stubs). */
    static void setField(Class<?> owner, Object target, String name, Object value) throws ReflectiveOperationException {
        java.lang.reflect.Field field = owner.getDeclaredField(name);
        field.setAccessible(true);
        field.set(target, value);
    }

    static List<String> lines() {
        return new java.util.concurrent.CopyOnWriteArrayList<>();
    }
}
