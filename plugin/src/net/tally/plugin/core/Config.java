package net.tally.plugin.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings in config.yml. Velocity has no YAML API, so all three platforms read the file with
 * this small reader of flat {@code key: value} lines (comments, blank lines and quotes allowed).
 * Whatever is missing or wrong is listed in {@link #problems()}, worded as what to fix.
 */
public final class Config {
    public static final int MAX_BATCH = 1000; // Tally takes at most 1,000 joins per request

    final String url;
    final String key;
    final long flushIntervalNanos;
    final int flushAt;
    final int queueLimit;
    final long retryMaxNanos;
    private final List<String> problems = new ArrayList<>();
    private boolean sendable = true;

    private Config(Map<String, String> values) {
        url = values.getOrDefault("url", "").replaceAll("/+$", "");
        key = values.getOrDefault("key", "");
        flushIntervalNanos = seconds(values, "flush-interval-seconds", 2, 0.05, 3600);
        flushAt = (int) whole(values, "flush-at", 500, 1, MAX_BATCH);
        queueLimit = (int) whole(values, "queue-limit", 100_000, 100, 10_000_000);
        retryMaxNanos = seconds(values, "retry-max-seconds", 60, 1, 3600);
        checkUrlAndKey();
    }

    /** Reads the text of config.yml. */
    public static Config parse(String text) {
        Map<String, String> values = new HashMap<>();
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text; // Notepad's byte order mark
        for (String line : body.split("\r?\n")) {
            String trimmed = line.strip();
            int colon = trimmed.indexOf(':');
            if (trimmed.isEmpty() || trimmed.startsWith("#") || colon < 1) {
                continue;
            }
            values.put(trimmed.substring(0, colon).strip(), value(trimmed.substring(colon + 1)));
        }
        return new Config(values);
    }

    /** What to fix, one phrase each; empty when the plugin can send. */
    public List<String> problems() {
        return problems;
    }

    URI endpoint(String path) {
        return URI.create(url + path);
    }

    private static String value(String raw) {
        String value = raw.strip();
        if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')) {
            int end = value.indexOf(value.charAt(0), 1);
            return end > 0 ? value.substring(1, end) : value.substring(1);
        }
        int comment = value.indexOf(" #");
        return (comment >= 0 ? value.substring(0, comment) : value).strip();
    }

    private void checkUrlAndKey() {
        int before = problems.size();
        if (url.isEmpty()) {
            problems.add("url is empty: set it to Tally's address, e.g. url: https://tally.example.net");
        } else if (!validUrl(url)) {
            problems.add("url '" + url + "' is not an http:// or https:// address: set it to Tally's "
                    + "address, e.g. url: https://tally.example.net");
        }
        if (key.isEmpty()) {
            problems.add("key is empty: paste this Server's plugin key (Tally shows it once when "
                    + "the Server is created; 'Regenerate plugin key' on the Server page makes a new one)");
        } else if (foreign(key) >= 0) {
            // Not echoed: it may be the real key with one stray character pasted along.
            int c = foreign(key);
            problems.add("key contains " + (c == ' ' ? "a space" : "'" + Character.toString(c) + "' (U+"
                    + String.format("%04X", c) + ")") + ", so it is not a plugin key: paste the tly_... key "
                    + "Tally showed");
        }
        sendable = problems.size() == before;
    }

    /** The first character no plugin key has (a key goes in an HTTP header), or -1. */
    private static int foreign(String key) {
        return key.codePoints().filter(c -> c < 0x21 || c > 0x7e || c == '<' || c == '>').findFirst().orElse(-1);
    }

    private static boolean validUrl(String url) {
        try {
            URI uri = new URI(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null && uri.getQuery() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private long seconds(Map<String, String> values, String name, double fallback, double low, double high) {
        String text = values.get(name);
        try {
            double seconds = text == null || text.isEmpty() ? fallback : Double.parseDouble(text);
            if (seconds >= low && seconds <= high) {
                return (long) (seconds * 1e9);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name + " must be a number of seconds from " + low + " to " + high
                + "; using " + fallback);
        return (long) (fallback * 1e9);
    }

    private long whole(Map<String, String> values, String name, long fallback, long low, long high) {
        String text = values.get(name);
        try {
            long number = text == null || text.isEmpty() ? fallback : Long.parseLong(text.replace("_", ""));
            if (number >= low && number <= high) {
                return number;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problems.add(name + " must be a whole number from " + low + " to " + high + "; using " + fallback);
        return fallback;
    }

    /** True when url and key are usable (a bad number only falls back to its default). */
    boolean canSend() {
        return sendable;
    }
}
