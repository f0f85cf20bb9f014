package net.tally.plugin.core;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The plugin's one background thread. Login handlers and commands only offer small records to
 * {@link #offer}; this thread writes them to the queue file at once, sends batches to Tally
 * (asynchronously, so it keeps writing while a request is under way), reads the answers and
 * re-reads config.yml when it changes. No file or network work happens anywhere else.
 */
final class Sender implements Runnable {
    private static final long CONFIG_CHECK_NANOS = 2_000_000_000L;
    private static final long MAX_SLEEP_NANOS = 500_000_000L;

    final Status status = new Status();
    private final ConcurrentLinkedQueue<Entry.Offer> inbox = new ConcurrentLinkedQueue<>();
    private final String platform;
    private final Path folder;
    private final Log log;
    private final Answers answers;
    private final AtomicBoolean flushAsked = new AtomicBoolean();
    private volatile Thread thread;
    private volatile boolean stopping;

    // The sender thread's own:
    private final Queue queue;
    private Config config = Config.parse("");
    private String configText; // as last read: a change is a change of content, not of mtime
    private long nextConfigCheck;
    private boolean flushing;
    private Flight flight;
    private TallyClient client;
    private String lastError;

    /** A batch under way: where it went, with which settings, and Tally's answer to come. */
    private record Flight(List<Entry> batch, Config config, URI where, CompletableFuture<TallyClient.Answer> answer) {
    }

    Sender(String platform, Path folder, Log log) {
        this.platform = platform;
        this.folder = folder;
        this.log = log;
        this.answers = new Answers(log, status);
        this.queue = new Queue(folder.resolve("queue.jsonl"), log);
    }

    void start() {
        Thread started = new Thread(this, "Tally sender");
        started.setDaemon(true);
        thread = started;
        started.start();
    }

    /** From any thread: no I/O, no lock held; wakes the sender thread. */
    void offer(Entry.Offer offer) {
        inbox.offer(offer);
        LockSupport.unpark(thread);
    }

    /** Send everything waiting now, without waiting for the batch timer or a retry delay. */
    void flush() {
        flushAsked.set(true); // taken by the sender thread before it next reads the inbox
        LockSupport.unpark(thread);
    }

    int waiting() {
        return queue.size() + inbox.size();
    }

    List<String> statusLines() {
        return status.lines(waiting());
    }

    /** Writes what was offered, then ends the thread (waiting up to five seconds for it). */
    void stop() {
        stopping = true;
        Thread running = thread;
        if (running != null) {
            LockSupport.unpark(running);
            try {
                running.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        try {
            begin();
        } catch (RuntimeException e) {
            failed(e);
        }
        while (true) {
            boolean last = stopping; // read first: whatever was offered before stop() is taken below
            long now = System.nanoTime();
            try {
                step(now, last);
                lastError = null;
            } catch (RuntimeException e) {
                failed(e);
                LockSupport.parkNanos(this, MAX_SLEEP_NANOS);
            }
            if (last) {
                break;
            }
            LockSupport.parkNanos(this, sleepNanos(now));
        }
        queue.close();
    }

    /** Said once, not every half second while it lasts. */
    private void failed(RuntimeException e) {
        if (!e.toString().equals(lastError)) {
            log.warn("Tally's sender thread hit an error and carries on: " + e);
            lastError = e.toString();
        }
    }

    private void begin() {
        client = new TallyClient(platform);
        try {
            Files.createDirectories(folder);
            Path file = folder.resolve("config.yml");
            if (!Files.exists(file)) {
                try (InputStream defaults = Sender.class.getResourceAsStream("/config.yml")) {
                    Files.copy(Objects.requireNonNull(defaults, "config.yml is missing from the jar"), file);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot write " + folder.resolve("config.yml") + ": " + e);
        }
        reloadConfig(System.nanoTime());
        int left = queue.open(System.nanoTime());
        if (left > 0) {
            log.info(left + " joins and purchases from the last run wait for Tally.");
        }
    }

    private void step(long now, boolean last) {
        if (flushAsked.getAndSet(false)) {
            flushing = true;
        }
        List<Entry.Offer> offers = new ArrayList<>();
        for (Entry.Offer offer; (offer = inbox.poll()) != null; ) {
            offers.add(offer);
        }
        if (!offers.isEmpty()) {
            queue.add(offers, now, config.queueLimit);
        }
        if (flight != null && flight.answer().isDone()) {
            Flight landed = flight;
            flight = null;
            answers.settle(landed.answer().join(), landed.batch(), landed.where(), landed.config() != config,
                    queue, config, now);
        }
        if (!last) {
            if (now >= nextConfigCheck) {
                reloadConfig(now);
            }
            send(now);
        }
        queue.maintain(now);
        if (queue.size() == 0) {
            answers.drained();
        }
        if (queue.size() == 0 || answers.failing()) {
            flushing = false;
        }
    }

    private void send(long now) {
        Entry oldest = queue.oldest();
        if (flight != null || oldest == null || !config.canSend()) {
            return;
        }
        boolean due = flushing || queue.size() >= config.flushAt || oldest.kind() != Entry.Kind.JOIN
                || now - oldest.queuedAt() >= config.flushIntervalNanos;
        if (!due || (!flushing && now < answers.retryAt())) {
            return;
        }
        List<Entry> batch = queue.batch(answers.batchLimit());
        Entry.Kind kind = batch.get(0).kind();
        StringBuilder body = new StringBuilder(batch.size() * 128);
        if (kind.batched) {
            body.append('[');
            for (int i = 0; i < batch.size(); i++) {
                body.append(i > 0 ? "," : "").append(batch.get(i).data());
            }
            body.append(']');
        } else {
            body.append(batch.get(0).data());
        }
        URI where = config.endpoint(kind.path);
        flight = new Flight(batch, config, where, client.post(where, config.key, body.toString()));
        Thread self = thread;
        flight.answer().whenComplete((result, error) -> LockSupport.unpark(self));
    }

    private void reloadConfig(long now) {
        nextConfigCheck = now + CONFIG_CHECK_NANOS;
        Path file = folder.resolve("config.yml");
        String text;
        try {
            // A few hundred bytes, every 2 s. Bytes that are not UTF-8 (a comment saved as
            // Windows-1252) become U+FFFD instead of failing the whole file.
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            text = ""; // missing or unreadable: as good as empty
        }
        if (text.equals(configText)) {
            return;
        }
        configText = text;
        config = Config.parse(text);
        status.url = config.url;
        status.configProblem = config.canSend() ? null : String.join("; ", config.problems());
        if (!config.problems().isEmpty()) {
            log.warn("Fix " + file + ": " + String.join("; ", config.problems()) + "."
                    + (config.canSend() ? "" : " Joins and purchases wait in queue.jsonl until then."));
        }
        if (config.canSend()) {
            log.info("Sending joins and purchases to Tally at " + config.url + " (" + platform + ").");
        }
        answers.reset(); // a changed config gets a fresh try at once
    }

    private long sleepNanos(long now) {
        if (!inbox.isEmpty() || stopping) {
            return 0;
        }
        long wake = Math.min(nextConfigCheck, now + MAX_SLEEP_NANOS);
        Entry oldest = queue.oldest();
        if (flight == null && oldest != null && config.canSend()) {
            long due = oldest.kind() == Entry.Kind.JOIN ? oldest.queuedAt() + config.flushIntervalNanos : now;
            wake = Math.min(wake, Math.max(due, answers.retryAt()));
        }
        return Math.max(100_000, wake - now);
    }
}
