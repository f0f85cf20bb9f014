package net.tally.plugin.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What /tally status shows. The sender thread writes it; any thread reads it. */
final class Status {
    volatile String url = "";
    volatile Boolean reachable; // null until the first answer
    volatile Instant lastSuccess;
    volatile Instant lastErrorAt;
    volatile String lastError;
    volatile String configProblem;
    volatile int failuresInARow;

    void success() {
        reachable = true;
        lastSuccess = Instant.now();
    }

    void failure(boolean answered, String error) {
        reachable = answered;
        lastError = error;
        lastErrorAt = Instant.now();
    }

    List<String> lines(int waiting) {
        List<String> lines = new ArrayList<>();
        if (configProblem != null) {
            lines.add("Tally: not configured: " + configProblem);
        } else {
            String state = reachable == null ? "not contacted yet" : reachable ? "reachable" : "unreachable";
            lines.add("Tally at " + url + ": " + state);
        }
        lines.add("Queue: " + waiting + " waiting");
        lines.add("Last success: " + ago(lastSuccess));
        String tries = failuresInARow > 1 ? ", " + failuresInARow + " tries in a row" : "";
        lines.add("Last error: " + (lastError == null ? "none" : lastError + " (" + ago(lastErrorAt) + tries + ")"));
        return lines;
    }

    private static String ago(Instant when) {
        if (when == null) {
            return "never";
        }
        long seconds = Duration.between(when, Instant.now()).getSeconds();
        return seconds < 120 ? seconds + " s ago" : seconds / 60 + " min ago";
    }
}
