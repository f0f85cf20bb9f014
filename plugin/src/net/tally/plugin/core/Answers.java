package net.tally.plugin.core;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the sender does with Tally's answer to a batch:
 * 2xx: the batch is done. Connection errors, 5xx, 408 and 429: retried after an exponential
 * backoff with jitter (a Retry-After is followed, up to retry-max-seconds). 413 for a batch of
 * several: it is too large, so from then on batches are half as large (until the queue is empty).
 * 400, 413, 422 (and 404 "no such purchase" for a refund): Tally refused the content, so the
 * entry it names is dropped with a log line and the rest go again; retrying could never succeed.
 * 401: the key is wrong; anything else (a redirect, 403, another 404): the url is wrong. Both keep
 * everything, say once what to fix and retry slowly (at once when config.yml changes; an answer
 * to a request sent before the change says nothing about the new settings). Console lines are
 * written once per spell of failures, not once per retry.
 */
final class Answers {
    private static final long FIRST_RETRY_NANOS = 1_000_000_000L;
    private static final Pattern INDEX = Pattern.compile("^\\[(\\d+)]");

    private final Log log;
    private final Status status;
    private int failures;
    private long retryAt;
    private boolean warned;
    private int batchLimit = Config.MAX_BATCH;

    Answers(Log log, Status status) {
        this.log = log;
        this.status = status;
    }

    long retryAt() {
        return retryAt;
    }

    boolean failing() {
        return failures > 0;
    }

    /** The most entries a batch may hold now: smaller after a 413. */
    int batchLimit() {
        return batchLimit;
    }

    /** The queue is empty: the next batches may be full size again. */
    void drained() {
        batchLimit = Config.MAX_BATCH;
    }

    /** A new config: try again at once, and say again what goes wrong. */
    void reset() {
        failures = 0;
        status.failuresInARow = 0;
        retryAt = 0;
        warned = false;
    }

    /**
     * {@code where}: the address the batch went to; {@code stale}: config.yml has changed since, so
     * a 401 or a wrong address speaks of old settings and the batch simply goes again.
     */
    void settle(TallyClient.Answer answer, List<Entry> batch, URI where, boolean stale, Queue queue,
                Config config, long now) {
        Entry.Kind kind = batch.get(0).kind();
        if (!answer.answered()) {
            retry("cannot reach Tally at " + where + " (" + reason(answer.failure()) + ")", false, 0,
                    queue, config, now);
            return;
        }
        int code = answer.status();
        String error = error(answer.body());
        if (code >= 200 && code < 300) {
            taken(batch, kind, answer.body(), queue);
        } else if (code == 413 && batch.size() > 1) {
            batchLimit = Math.max(1, batch.size() / 2); // sent again at once, in halves
        } else if (code == 401) {
            hold("Tally refused the plugin key (401): set key in config.yml to this Server's plugin key "
                    + "(Tally > your Server > Regenerate plugin key makes a new one)", stale, queue, config, now);
        } else if (code == 408 || code == 429 || code >= 500) {
            retry("Tally answered " + code + (error == null ? "" : ": " + error), true,
                    answer.retryAfterSeconds(), queue, config, now);
        } else if (code == 400 || code == 413 || code == 422
                || code == 404 && kind == Entry.Kind.REFUND && error != null) {
            refused(batch, kind, code, error == null ? snippet(answer.body()) : error, queue);
        } else {
            hold("Tally's address looks wrong: POST " + where + " answered " + code
                    + "; set url in config.yml to the address you open Tally with", stale, queue, config, now);
        }
    }

    private void taken(List<Entry> batch, Entry.Kind kind, String body, Queue queue) {
        queue.taken(batch);
        status.success();
        if (warned) {
            log.info("Tally answers again: sending the " + queue.size() + " waiting entries.");
        }
        reset();
        if (kind != Entry.Kind.JOIN) {
            log.info(summary(batch, kind, body));
        }
    }

    private void refused(List<Entry> batch, Entry.Kind kind, int code, String error, Queue queue) {
        Matcher index = INDEX.matcher(error);
        List<Entry> dropped = batch.size() > 1 && index.find()
                && Integer.parseInt(index.group(1)) < batch.size()
                ? List.of(batch.get(Integer.parseInt(index.group(1)))) : batch;
        for (Entry entry : dropped) {
            queue.drop(entry);
            log.warn("Tally refused a " + kind.word + " (" + code + ": " + error + "); dropped it: "
                    + entry.data());
        }
        status.failure(true, code + ": " + error);
    }

    private void retry(String problem, boolean answered, long retryAfterSeconds, Queue queue,
                       Config config, long now) {
        status.failuresInARow = ++failures;
        long delay = Math.min(config.retryMaxNanos, FIRST_RETRY_NANOS << Math.min(failures - 1, 30));
        delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1); // jitter
        long asked = Math.min(retryAfterSeconds, config.retryMaxNanos / 1_000_000_000L); // no overflow
        retryAt = now + Math.max(delay, asked * 1_000_000_000L);
        status.failure(answered, problem);
        warnOnce(problem + ". " + queue.size() + " entries wait in queue.jsonl; retrying with backoff.");
    }

    private void hold(String problem, boolean stale, Queue queue, Config config, long now) {
        if (stale) {
            return; // the batch went with the settings config.yml had before: try the new ones at once
        }
        status.failuresInARow = ++failures;
        retryAt = now + config.retryMaxNanos;
        status.failure(true, problem);
        warnOnce(problem + ". Nothing is lost: " + queue.size() + " entries wait in queue.jsonl.");
    }

    private void warnOnce(String message) {
        if (!warned) {
            log.warn(message);
            warned = true;
        }
    }

    private static String summary(List<Entry> batch, Entry.Kind kind, String body) {
        Object counts = parse(body);
        Object accepted = counts instanceof Map<?, ?> map ? map.get("accepted") : null;
        if (batch.size() > 1) {
            return "Tally recorded " + accepted + " of " + batch.size() + " " + kind.word
                    + "s (the others it had already).";
        }
        String what = kind.word + " " + Json.string(parse(batch.get(0).data()), "transaction_id");
        return "0".equals(String.valueOf(accepted)) ? "Tally already had the " + what + "."
                : "Tally recorded the " + what + ".";
    }

    /** Tally's {"error": ...}, or null when the body is not that. */
    private static String error(String body) {
        return Json.string(parse(body), "error");
    }

    private static Object parse(String text) {
        try {
            return Json.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String snippet(String body) {
        String text = body == null ? "" : body.strip();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
