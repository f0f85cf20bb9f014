package tally.driver;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An event bus for the driver: annotated handler methods, each call timed. */
final class Listeners {
    private record Handler(Object listener, Method method) {
    }

    private final List<Handler> handlers = new CopyOnWriteArrayList<>();

    void register(Object listener, Class<? extends Annotation> marker) {
        for (Method method : listener.getClass().getMethods()) {
            if (method.isAnnotationPresent(marker) && method.getParameterCount() == 1) {
                method.setAccessible(true);
                handlers.add(new Handler(listener, method));
            }
        }
    }

    /** Calls every handler of {@code event}'s type; the time spent inside them, and how many. */
    Harness.Timed fire(Object event) throws ReflectiveOperationException {
        long total = 0;
        int count = 0;
        for (Handler handler : handlers) {
            if (handler.method().getParameterTypes()[0].isInstance(event)) {
                long started = System.nanoTime();
                try {
                    handler.method().invoke(handler.listener(), event);
                } catch (InvocationTargetException e) {
                    throw new IllegalStateException("handler failed", e.getCause());
                }
                total += System.nanoTime() - started;
                count++;
            }
        }
        return new Harness.Timed(total, count);
    }
}
