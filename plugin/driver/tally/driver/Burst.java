package tally.driver;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * COUNT logins spread evenly over SECONDS from THREADS threads (as a server's login threads would),
 * each timed inside the plugin's handler. Answers p50, p99 and max in microseconds.
 */
final class Burst {
    private Burst() {
    }

    static String run(Harness harness, String[] words) throws InterruptedException {
        int count = Integer.parseInt(words[1]);
        int threads = Integer.parseInt(words[2]);
        long spread = (long) (Double.parseDouble(words[3]) * 1e9);
        String[] hosts = words[4].split(",");
        String prefix = words[5];
        long[] nanos = new long[count];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime() + 20_000_000L;
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int first = t;
            workers[t] = new Thread(() -> {
                for (int i = first; i < count; i += threads) {
                    LockSupport.parkNanos(start + spread * i / count - System.nanoTime());
                    String name = prefix + i;
                    try {
                        nanos[i] = harness.login(name, Driver.uuid(name), hosts[i % hosts.length]).nanos();
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }, "login-" + t);
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long elapsed = System.nanoTime() - start;
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        Arrays.sort(nanos);
        return ",\"count\":" + count + ",\"p50_us\":" + nanos[count / 2] / 1000.0
                + ",\"p99_us\":" + nanos[(int) Math.ceil(count * 0.99) - 1] / 1000.0
                + ",\"max_us\":" + nanos[count - 1] / 1000.0 + ",\"elapsed_ms\":" + elapsed / 1_000_000;
    }
}
