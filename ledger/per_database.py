"""State a process keeps for each database it serves (one per app's engine)."""
import threading
import weakref


class PerDatabase:
    """``PerDatabase(Factory)(engine)`` is this process's one ``Factory()`` for that engine,
    forgotten with the engine (tests make many apps in one process)."""

    def __init__(self, factory):
        self.factory = factory
        self.made: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()

    def __call__(self, engine):
        with self.lock:
            found = self.made.get(engine)
            if found is None:
                found = self.made[engine] = self.factory()
            return found
