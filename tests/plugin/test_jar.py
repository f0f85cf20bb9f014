"""What tally.jar holds and links against: its own classes only (no stubs), its descriptors, and
class references (read with javap) to nothing but the JDK, the three server APIs and itself."""
import re
import subprocess
import zipfile

ALLOWED = ("java/",                                                  # the JDK (java.net.http, ...)
           "org/bukkit/", "io/papermc/paper/",                       # Paper / Spigot
           "com/velocitypowered/api/", "com/google/inject/", "org/slf4j/",  # Velocity
           "net/md_5/bungee/",                                       # BungeeCord / Waterfall
           "net/tally/plugin/")                                      # the plugin itself
CLASS_ENTRY = re.compile(r"^\s*#\d+ = Class\s+#\d+\s+// (.+)$", re.MULTILINE)
UTF8_ENTRY = re.compile(r"^\s*#\d+ = Utf8\s+([(\[L<].*)$", re.MULTILINE)
TYPE_IN_DESCRIPTOR = re.compile(r"L([\w$/]+)[;<]")


def class_references(jar) -> set[str]:
    """Every class named in the constant pools: Class entries and the types inside descriptors
    and generic signatures."""
    with zipfile.ZipFile(jar) as archive:
        classes = [n[:-6] for n in archive.namelist() if n.endswith(".class")]
    output = subprocess.run(["javap", "-v", "-cp", str(jar), *classes], capture_output=True,
                            text=True, check=True).stdout
    names = set()
    for entry in CLASS_ENTRY.findall(output):
        entry = entry.strip('"').lstrip("[")
        names.add(entry[1:-1] if entry.startswith("L") else entry)
    for descriptor in UTF8_ENTRY.findall(output):
        names.update(TYPE_IN_DESCRIPTOR.findall(descriptor))
    return {name for name in names if "/" in name}  # drops primitive array codes such as "B"


def test_the_jar_holds_only_the_plugin_and_its_descriptors(plugin_jar):
    with zipfile.ZipFile(plugin_jar) as archive:
        names = archive.namelist()
    assert {n for n in names if not n.endswith(".class") and not n.endswith("/")} == \
        {"META-INF/MANIFEST.MF", "plugin.yml", "bungee.yml", "velocity-plugin.json", "config.yml"}
    assert all(n.startswith("net/tally/plugin/") for n in names if n.endswith(".class"))


def test_the_jar_links_only_to_the_jdk_the_three_apis_and_itself(plugin_jar):
    references = class_references(plugin_jar)
    assert {name for name in references if not name.startswith(ALLOWED)} == set()
    # The parsing found real references to each API, so an empty difference means something.
    for api in ("org/bukkit/", "com/velocitypowered/api/", "com/google/inject/",
                "org/slf4j/", "net/md_5/bungee/", "java/net/http/"):
        assert any(name.startswith(api) for name in references), api
