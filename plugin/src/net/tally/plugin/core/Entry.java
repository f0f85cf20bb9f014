package net.tally.plugin.core;

/**
 * One queued call to Tally: a join, a purchase or a refund. {@code data} is its JSON object as
 * Tally's API takes it; {@code seq} numbers it in the queue file; {@code queuedAt} is
 * System.nanoTime() when it was queued (long before, for entries read back from disk: they are due).
 */
record Entry(long seq, Kind kind, String data, long queuedAt) {

    /** What an entry is, and where Tally takes it. */
    enum Kind {
        JOIN("join", "/api/v1/players/join", true),
        PURCHASE("purchase", "/api/v1/purchases", true),
        REFUND("refund", "/api/v1/refunds", false);

        final String word;
        final String path;
        final boolean batched; // sent as a JSON list of up to Config.MAX_BATCH

        Kind(String word, String path, boolean batched) {
            this.word = word;
            this.path = path;
            this.batched = batched;
        }

        static Kind of(String word) {
            for (Kind kind : values()) {
                if (kind.word.equals(word)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown kind " + word);
        }
    }

    /** What a login handler or a command hands to the sender thread; it turns it into an Entry. */
    interface Offer {
        Kind kind();

        String data();
    }

    /** A join, kept raw until the sender thread encodes it (the login handler only allocates). */
    record Join(String username, java.util.UUID uuid, String hostname) implements Offer {
        public Kind kind() {
            return Kind.JOIN;
        }

        public String data() {
            StringBuilder json = new StringBuilder(120).append("{\"username\":").append(Json.quote(username));
            if (uuid != null) {
                json.append(",\"uuid\":\"").append(uuid).append('"');
            }
            if (hostname != null && !hostname.isEmpty()) {
                json.append(",\"hostname\":").append(Json.quote(hostname));
            }
            return json.append('}').toString();
        }
    }

    /** A purchase or refund built by a command, already JSON. */
    record Built(Kind kind, String data) implements Offer {
    }
}
