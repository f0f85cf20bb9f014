"""The Java test driver (plugin/driver) as a subprocess: one platform's entry point of tally.jar,
booted against the API stubs, taking commands on stdin and answering JSON lines."""
import json
import queue
import subprocess
import threading
import time
from pathlib import Path

from tests.live import ROOT

PLUGIN = ROOT / "plugin"
JAR = PLUGIN / "dist" / "tally.jar"
# The start of the plugin's line for a refused key. Not just "401": the startup line names
# Tally's address, whose port may contain it (127.0.0.1:51401).
KEY_REFUSED = "Tally refused the plugin key (401)"


def write_config(folder: Path, url: str, key: str, **settings) -> None:
    """config.yml as an owner would paste it; tests shorten the timers unless told otherwise."""
    values = {"url": url, "key": key, "flush-interval-seconds": 0.2, "retry-max-seconds": 1, **settings}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yml").write_text("".join(f"{name}: {value}\n" for name, value in values.items()))


def waiting_in_queue(folder: Path) -> list[dict]:
    """The entries queue.jsonl still holds (written and not marked done), read as the plugin does."""
    path = folder / "queue.jsonl"
    entries = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a torn last line
        if "done" in row:
            low, high = row["done"]
            entries = {seq: e for seq, e in entries.items() if not low <= seq <= high}
        else:
            entries[row["seq"]] = row
    return [entries[seq] for seq in sorted(entries)]


def wait_until(condition, timeout: float = 30, what: str = "the condition"):
    """Poll ``condition`` until it returns something true; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class PluginProcess:
    """``java tally.driver.Driver`` booted as ``platform`` with ``folder`` as the data folder
    (``wrapper``: a command to run java under, such as strace)."""

    def __init__(self, platform: str, folder: Path, wrapper=()):
        stubs = [PLUGIN / "out/stubs/api"] + ([] if platform == "spigot" else [PLUGIN / "out/stubs/paper"])
        classpath = ":".join(str(p) for p in [PLUGIN / "out/driver", *stubs, JAR])
        self.process = subprocess.Popen([*wrapper, "java", "-cp", classpath, "tally.driver.Driver"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, bufsize=1)
        self.logs: list[dict] = []
        self.changed = threading.Condition()
        self.answers: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.do("boot", platform, str(folder))

    def _read(self):
        for line in self.process.stdout:
            row = json.loads(line)
            if "log" in row:
                with self.changed:
                    self.logs.append(row)
                    self.changed.notify_all()
            else:
                self.answers.put(row)

    def do(self, *words, timeout: float = 30) -> dict:
        self.process.stdin.write(" ".join(words) + "\n")
        self.process.stdin.flush()
        try:
            answer = self.answers.get(timeout=timeout)
        except queue.Empty:
            ended = self.process.poll() is not None
            raise AssertionError(f"no answer to {words[0]}: " + (
                self.process.stderr.read()[-2000:] if ended else "the driver is still running")) from None
        assert "error" not in answer, answer
        return answer

    def command(self, role: str, *args: str) -> list[str]:
        return self.do("command", role, *args)["reply"]

    def messages(self, text: str = "") -> list[str]:
        with self.changed:
            return [row["msg"] for row in self.logs if text in row["msg"]]

    def wait_for_log(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [row["msg"] for row in self.logs if text in row["msg"]]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the plugin never logged {text!r}; it logged:\n"
                                         + "\n".join(row["msg"] for row in self.logs))
                self.changed.wait(left)

    def stop(self) -> None:
        """The server shuts down cleanly (onDisable / ProxyShutdownEvent)."""
        self.do("stop")
        self.close()

    def kill(self) -> None:
        """The JVM dies at once, as under kill -9: no shutdown code runs."""
        self.process.stdin.write("kill\n")
        self.process.stdin.flush()
        assert self.process.wait(10) == 137

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
