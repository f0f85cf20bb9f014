package org.slf4j;

/** Stub of SLF4J's {@code Logger}, the logger Velocity injects. */
public interface Logger {
    void info(String msg);

    void warn(String msg);

    void error(String msg);
}
