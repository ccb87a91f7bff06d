# Oracle for RPM version ordering: rpm's own Python bindings (python3-rpm). rpm.ver splits
# "[epoch:]version[-release]" as rpm does; labelCompare orders the parts (a missing epoch is 0,
# a missing release sorts before any release).
# Reads lines "c<TAB>A<TAB>B"; prints -1, 0 or 1 per line.
import sys

import rpm


def evr(text):
    v = rpm.ver(text)
    return (v.e, v.v, v.r)


out = []
for line in sys.stdin:
    op, a, b = line.rstrip("\n").split("\t")
    r = rpm.labelCompare(evr(a), evr(b))
    out.append(str(-1 if r < 0 else 1 if r > 0 else 0))
sys.stdout.write("\n".join(out) + ("\n" if out else ""))
