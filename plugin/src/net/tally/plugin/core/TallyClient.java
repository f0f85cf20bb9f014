package net.tally.plugin.core;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Calls Tally's plugin API with java.net.http, asynchronously: the sender thread never waits on it. */
final class TallyClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final String userAgent;

    TallyClient(String platform) {
        userAgent = "Tally-plugin/1.0 (" + platform + ")";
    }

    /** An answer, or the failure that kept Tally from answering. */
    record Answer(int status, String body, long retryAfterSeconds, Throwable failure) {
        boolean answered() {
            return failure == null;
        }
    }

    CompletableFuture<Answer> post(URI uri, String key, String body) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .header("User-Agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, error) ->
                error != null ? new Answer(0, "", 0, error)
                        : new Answer(response.statusCode(), response.body(), retryAfter(response), null));
    }

    private static long retryAfter(HttpResponse<String> response) {
        try {
            return Long.parseLong(response.headers().firstValue("Retry-After").orElse("0").strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
