package net.tally.plugin.core;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The queue file, queue.jsonl: an append-only journal of JSON lines, one per entry
 * ({@code {"seq":7,"kind":"join","data":{...}}}) and one per batch Tally has taken or the plugin
 * has dropped ({@code {"done":[5,7]}}: every entry from seq 5 to 7 is finished).
 *
 * <p>Only the sender thread uses it. Appends reach the operating system at once, so a killed
 * server loses nothing written; {@link #force()} (fsync, on a timer) makes them survive a power
 * cut too. Reading back skips a torn last line. When every entry is done the file is truncated;
 * when it holds far more than what waits, it is rewritten to a temporary file (fsynced) and
 * renamed over the old one, an atomic step, and the folder is fsynced: after a crash either the
 * old file or the new one is there, and both say the same.
 */
final class Journal implements AutoCloseable {
    private final Path file;
    private FileChannel channel;
    private boolean unforced;
    private long lines;

    private Journal(Path file) {
        this.file = file;
    }

    /** Opens (or creates) the file and returns it with the entries still waiting, oldest first. */
    static Journal open(Path file, List<Entry> waiting) throws IOException {
        Journal journal = new Journal(file);
        waiting.addAll(journal.read());
        journal.rewrite(waiting); // drops done entries and any torn line before appending
        return journal;
    }

    private Collection<Entry> read() throws IOException {
        TreeMap<Long, Entry> entries = new TreeMap<>();
        if (!Files.exists(file)) {
            return entries.values();
        }
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                apply(Json.parse(line), entries);
            } catch (RuntimeException e) {
                // A line torn by a crash mid-write: it never reached Tally, and there is no more of
                // it. (Or JSON that is no entry, such as a hand edit: skipped the same way.)
            }
        }
        return entries.values();
    }

    private static void apply(Object line, TreeMap<Long, Entry> entries) {
        Map<?, ?> map = (Map<?, ?>) line;
        if (map.get("done") instanceof List<?> range) {
            long from = ((BigDecimal) range.get(0)).longValueExact();
            long to = ((BigDecimal) range.get(1)).longValueExact();
            entries.subMap(from, true, to, true).clear();
            return;
        }
        long seq = ((BigDecimal) map.get("seq")).longValueExact();
        Entry.Kind kind = Entry.Kind.of((String) map.get("kind"));
        entries.put(seq, new Entry(seq, kind, Json.write(map.get("data")), 0));
    }

    void append(List<Entry> entries) throws IOException {
        StringBuilder text = new StringBuilder(entries.size() * 128);
        for (Entry entry : entries) {
            text.append(line(entry));
        }
        write(text.toString());
        lines += entries.size();
    }

    /** Marks the entries from seq {@code from} to {@code to} (and any between) as finished. */
    void done(long from, long to) throws IOException {
        write("{\"done\":[" + from + "," + to + "]}\n");
        lines++;
    }

    /** Lines in the file, entries and done marks. */
    long lines() {
        return lines;
    }

    /** fsync, when something was written since the last one. */
    void force() throws IOException {
        if (unforced) {
            channel.force(false);
            unforced = false;
        }
    }

    /** Replaces the file with one holding only {@code waiting}. */
    void rewrite(Collection<Entry> waiting) throws IOException {
        close();
        if (waiting.isEmpty()) {
            boolean created = !Files.exists(file);
            Files.write(file, new byte[0]); // all done: emptied in place
            if (created) {
                forceFolder();
            }
        } else {
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                StringBuilder text = new StringBuilder();
                for (Entry entry : waiting) {
                    text.append(line(entry));
                }
                writeAll(out, text.toString());
                out.force(false);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceFolder(); // the rename itself survives a power cut only once the folder is synced
        }
        lines = waiting.size();
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            force();
            channel.close();
            channel = null;
        }
    }

    /**
     * fsync the folder, so that its entry for the file (a rename, a new file) is on disk: without
     * it a power cut may leave the name on the old file while later appends went to the new one.
     * Best effort: Windows cannot open a folder this way.
     */
    private void forceFolder() {
        try (FileChannel folder = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            folder.force(true);
        } catch (IOException e) {
            // Windows, or a file system that cannot: the rename is still atomic, only less durable
        }
    }

    private void write(String text) throws IOException {
        writeAll(channel, text);
        unforced = true;
    }

    private static void writeAll(FileChannel channel, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    private static String line(Entry entry) {
        return "{\"seq\":" + entry.seq() + ",\"kind\":\"" + entry.kind().word + "\",\"data\":"
                + entry.data() + "}\n";
    }
}
