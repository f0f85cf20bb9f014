package net.tally.plugin.core;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What waits for Tally, oldest first: in memory for sending, and in the journal on disk so it
 * survives a restart. Bounded: past the limit the oldest entries are dropped, with one warning
 * until the queue has room again. Only the sender thread uses it.
 */
final class Queue {
    private static final long FORCE_EVERY_NANOS = 1_000_000_000L;
    private static final long REWRITE_SLACK = 50_000; // done lines tolerated before a rewrite
    private static final long OVERDUE_NANOS = 3600_000_000_000L; // >= any flush interval

    private final ArrayDeque<Entry> waiting = new ArrayDeque<>();
    private volatile int size; // waiting.size(), for other threads (/tally status)
    private final Path file;
    private final Log log;
    private Journal journal;
    private long nextSeq = 1;
    private long nextForce;
    private boolean warnedFull;

    Queue(Path file, Log log) {
        this.file = file;
        this.log = log;
    }

    /** Reads back what the last run left, due at once; returns how many entries that is. */
    int open(long now) {
        List<Entry> left = new ArrayList<>();
        try {
            journal = Journal.open(file, left);
        } catch (IOException e) {
            diskFailed(e);
        }
        for (Entry entry : left) {
            waiting.add(new Entry(entry.seq(), entry.kind(), entry.data(), now - OVERDUE_NANOS));
        }
        if (!left.isEmpty()) {
            nextSeq = left.get(left.size() - 1).seq() + 1;
        }
        size = waiting.size();
        return left.size();
    }

    /**
     * Queues new offers: counted, then written to the journal, and only then sent (by the same
     * thread, later). Counted first so that an entry on disk is never missing from /tally status.
     */
    void add(List<Entry.Offer> offers, long now, int limit) {
        List<Entry> entries = new ArrayList<>(offers.size());
        for (Entry.Offer offer : offers) {
            entries.add(new Entry(nextSeq++, offer.kind(), offer.data(), now));
        }
        waiting.addAll(entries);
        size = waiting.size();
        if (journal != null) {
            try {
                journal.append(entries);
            } catch (IOException e) {
                diskFailed(e);
            }
        }
        trim(limit);
        size = waiting.size();
    }

    /** The oldest entries of one kind, at most {@code max} (refunds go one by one). */
    List<Entry> batch(int max) {
        List<Entry> batch = new ArrayList<>();
        Entry.Kind kind = waiting.isEmpty() ? null : waiting.peekFirst().kind();
        for (Entry entry : waiting) {
            if (entry.kind() != kind || batch.size() == (kind.batched ? max : 1)) {
                break;
            }
            batch.add(entry);
        }
        return batch;
    }

    /** Tally took {@code batch} (the oldest entries when it was sent): they are finished. */
    void taken(List<Entry> batch) {
        long last = batch.get(batch.size() - 1).seq();
        while (!waiting.isEmpty() && waiting.peekFirst().seq() <= last) {
            waiting.pollFirst();
        }
        size = waiting.size();
        finish(batch.get(0).seq(), last);
    }

    /** Drops one entry for good (Tally refused it). */
    void drop(Entry entry) {
        if (waiting.remove(entry)) {
            size = waiting.size();
            finish(entry.seq(), entry.seq());
        }
    }

    Entry oldest() {
        return waiting.peekFirst();
    }

    /** How many entries wait; any thread may ask. */
    int size() {
        return size;
    }

    /** fsync about once a second, and compact the file when most of it is done. */
    void maintain(long now) {
        if (journal == null) {
            return;
        }
        try {
            if (waiting.isEmpty() && journal.lines() > 0
                    || journal.lines() > 2L * waiting.size() + REWRITE_SLACK) {
                journal.rewrite(waiting);
            }
            if (now >= nextForce) {
                journal.force();
                nextForce = now + FORCE_EVERY_NANOS;
            }
        } catch (IOException e) {
            diskFailed(e);
        }
    }

    void close() {
        if (journal != null) {
            try {
                journal.close();
            } catch (IOException e) {
                diskFailed(e);
            }
        }
    }

    private void trim(int limit) {
        if (waiting.size() <= limit) {
            warnedFull &= waiting.size() > limit - limit / 10; // warn again after it had room
            return;
        }
        int drop = waiting.size() - limit;
        if (!warnedFull) {
            log.warn("The queue holds more than " + limit + " entries (queue-limit): dropping the "
                    + "oldest until Tally takes them again. Check /tally status.");
            warnedFull = true;
        }
        long from = waiting.peekFirst().seq();
        long to = from;
        for (int i = 0; i < drop; i++) {
            to = waiting.pollFirst().seq();
        }
        finish(from, to);
    }

    private void finish(long from, long to) {
        if (journal == null) {
            return;
        }
        try {
            journal.done(from, to);
        } catch (IOException e) {
            diskFailed(e);
        }
    }

    private void diskFailed(IOException e) {
        log.warn("Cannot write the queue file " + file + " (" + e + "): joins and purchases are now "
                + "kept in memory only and are lost if the server stops before Tally takes them.");
        journal = null;
    }
}
