package tally.driver;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.md_5.bungee.api.chat.TextComponent;

/**
 * The players and command senders the driver hands to the plugin, on every platform: a proxy of
 * the API interface that answers each getter from a table (method name, value) and adds every
 * message sent to it (sendMessage, sendPlainMessage) to {@code lines}. Anything else it is asked
 * fails loudly, so a new call in the plugin shows up in the tests.
 */
final class Fake implements InvocationHandler {
    private final Class<?> type;
    private final List<String> lines;
    private final Map<String, Object> answers = new HashMap<>();

    private Fake(Class<?> type, List<String> lines, Object[] answers) {
        this.type = type;
        this.lines = lines;
        for (int i = 0; i < answers.length; i += 2) {
            this.answers.put((String) answers[i], answers[i + 1]);
        }
    }

    /** {@code answers}: method name, value, method name, value...; {@code lines} may be null. */
    static <T> T of(Class<T> type, List<String> lines, Object... answers) {
        return type.cast(Proxy.newProxyInstance(Fake.class.getClassLoader(), new Class<?>[] {type},
                new Fake(type, lines, answers)));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
        String name = method.getName();
        switch (name) {
            case "sendMessage", "sendPlainMessage" -> {
                lines.add(args[0] instanceof TextComponent text ? text.getText() : (String) args[0]);
                return null;
            }
            case "equals" -> {
                return proxy == args[0];
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "toString" -> {
                return "fake " + type.getSimpleName() + answers;
            }
            default -> {
                if (!answers.containsKey(name)) {
                    throw new UnsupportedOperationException(type.getName() + "#" + name + " is not faked");
                }
                return answers.get(name);
            }
        }
    }
}
