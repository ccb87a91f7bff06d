# Oracle for PEP 440 ordering: the `packaging` library (python3-packaging), which pip uses.
# Reads lines "c<TAB>A<TAB>B" (compare) or "v<TAB>A" (is it valid); prints -1/0/1 or 1/0 per line.
import sys

from packaging.version import InvalidVersion, Version


def valid(text):
    try:
        Version(text)
        return True
    except InvalidVersion:
        return False


out = []
for line in sys.stdin:
    fields = line.rstrip("\n").split("\t")
    if fields[0] == "c":
        a, b = Version(fields[1]), Version(fields[2])
        out.append(str(-1 if a < b else 1 if a > b else 0))
    else:
        out.append("1" if valid(fields[1]) else "0")
sys.stdout.write("\n".join(out) + ("\n" if out else ""))
