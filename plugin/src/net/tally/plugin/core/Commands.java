package net.tally.plugin.core;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * /tally on every platform: {@code status} and {@code flush} for admins, and the fallback purchase
 * command a store's own plugin runs on the console:
 * {@code tally purchase <player> <amount> <currency> <transaction-id> [coupon=<code>] [item name...]}
 * and {@code tally refund <transaction-id> [amount]}. Bad arguments get one usage line and queue
 * nothing; good ones are queued (written to disk by the sender thread) and sent with the joins.
 */
final class Commands {
    static final String PURCHASE_USAGE =
            "Usage: tally purchase <player> <amount> <currency> <transaction-id> [coupon=<code>] [item name...]";
    static final String REFUND_USAGE = "Usage: tally refund <transaction-id> [amount]";

    private static final Pattern AMOUNT = Pattern.compile("\\d{1,7}(\\.\\d{1,4})?");
    private static final Pattern CURRENCY = Pattern.compile("[A-Za-z]{3}");
    private static final Pattern PLACEHOLDER = Pattern.compile("[{%<].*[}%>]");
    private static final BigDecimal MAX_AMOUNT = new BigDecimal(1_000_000);

    private final Sender sender;

    Commands(Sender sender) {
        this.sender = sender;
    }

    List<String> run(String[] given, boolean console, boolean permitted) {
        // BungeeCord and Velocity keep the empty argument after a trailing space; Bukkit drops it.
        int length = given.length;
        while (length > 0 && given[length - 1].isEmpty()) {
            length--;
        }
        String[] args = Arrays.copyOf(given, length);
        String verb = args.length == 0 ? "" : args[0].toLowerCase(Locale.ROOT);
        if (verb.equals("purchase") || verb.equals("refund")) {
            if (!console) {
                return List.of("tally " + verb + " runs only from the console, where your store's plugin runs it.");
            }
            return verb.equals("purchase") ? purchase(args) : refund(args);
        }
        if (!permitted) {
            return List.of("You need the " + TallyCore.PERMISSION + " permission to use /tally.");
        }
        return switch (verb) {
            case "status" -> sender.statusLines();
            case "flush" -> {
                sender.flush();
                yield List.of("Sending the " + sender.waiting() + " waiting entries to Tally now.");
            }
            default -> List.of("/tally status: is Tally reachable, how much waits, the last success and error",
                    "/tally flush: send what waits now", PURCHASE_USAGE + " (console)",
                    REFUND_USAGE + " (console)");
        };
    }

    private List<String> purchase(String[] args) {
        try {
            sender.offer(new Entry.Built(Entry.Kind.PURCHASE, purchaseJson(args)));
        } catch (IllegalArgumentException e) {
            return List.of(PURCHASE_USAGE + " (" + e.getMessage() + ")");
        }
        return List.of("Tally: queued purchase " + args[4] + " by " + args[1] + " (" + args[2] + " "
                + args[3].toUpperCase(Locale.ROOT) + ").");
    }

    private List<String> refund(String[] args) {
        try {
            sender.offer(new Entry.Built(Entry.Kind.REFUND, refundJson(args)));
        } catch (IllegalArgumentException e) {
            return List.of(REFUND_USAGE + " (" + e.getMessage() + ")");
        }
        return List.of("Tally: queued the refund of " + args[1] + ".");
    }

    static String purchaseJson(String[] args) {
        if (args.length < 5) {
            throw new IllegalArgumentException("missing arguments");
        }
        filledIn(args);
        String player = text(args[1], "player", 64);
        String amount = amount(args[2]);
        if (!CURRENCY.matcher(args[3]).matches()) {
            throw new IllegalArgumentException("currency must be a 3-letter code such as EUR, not '" + args[3] + "'");
        }
        String transaction = text(args[4], "transaction-id", 128);
        List<String> rest = Arrays.asList(args).subList(5, args.length);
        String coupon = null;
        if (!rest.isEmpty() && rest.get(0).toLowerCase(Locale.ROOT).startsWith("coupon=")) {
            coupon = rest.get(0).substring("coupon=".length());
            rest = rest.subList(1, rest.size());
        }
        String item = unquoted(String.join(" ", rest).strip());
        StringBuilder json = new StringBuilder(200)
                .append("{\"transaction_id\":").append(Json.quote(transaction))
                .append(",\"username\":").append(Json.quote(player))
                .append(",\"amount\":").append(amount)
                .append(",\"currency\":\"").append(args[3].toUpperCase(Locale.ROOT)).append('"')
                .append(",\"timestamp\":\"").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append('"');
        if (coupon != null && !coupon.isBlank() && !PLACEHOLDER.matcher(coupon).matches()) { // {coupon}: none
            json.append(",\"coupon\":").append(Json.quote(text(coupon, "coupon", 64)));
        }
        if (!item.isEmpty()) {
            json.append(",\"items\":[{\"name\":").append(Json.quote(text(item, "item name", 200)))
                    .append(",\"price\":").append(amount).append("}]");
        }
        return json.append('}').toString();
    }

    static String refundJson(String[] args) {
        if (args.length < 2 || args.length > 3) {
            throw new IllegalArgumentException(args.length < 2 ? "missing transaction id" : "too many arguments");
        }
        filledIn(args);
        String json = "{\"transaction_id\":" + Json.quote(text(args[1], "transaction-id", 128));
        return json + (args.length == 3 ? ",\"amount\":" + amount(args[2]) : "") + "}";
    }

    /** "VIP Rank" or 'VIP Rank' (a store's command line quoted it) is VIP Rank. */
    private static String unquoted(String text) {
        boolean quoted = text.length() >= 2 && (text.charAt(0) == '"' || text.charAt(0) == '\'')
                && text.charAt(text.length() - 1) == text.charAt(0);
        return quoted ? text.substring(1, text.length() - 1).strip() : text;
    }

    /** A store that could not fill in a placeholder leaves it as typed: {cost}, %price%, <id>. */
    private static void filledIn(String[] args) {
        for (String arg : args) {
            if (PLACEHOLDER.matcher(arg).matches()) {
                throw new IllegalArgumentException("the store left the placeholder " + arg + " unfilled");
            }
        }
    }

    private static String amount(String text) {
        if (!AMOUNT.matcher(text).matches()) {
            throw new IllegalArgumentException("amount must be a number such as 9.99, not '" + text + "'");
        }
        BigDecimal amount = new BigDecimal(text);
        if (amount.compareTo(MAX_AMOUNT) > 0) {
            throw new IllegalArgumentException("amount must be at most 1000000");
        }
        return amount.toPlainString(); // "009.90" is not a JSON number; "9.90" is

    }

    private static String text(String value, String name, int max) {
        if (value.isBlank() || value.length() > max) {
            throw new IllegalArgumentException(name + " must be 1 to " + max + " characters");
        }
        return value;
    }
}
