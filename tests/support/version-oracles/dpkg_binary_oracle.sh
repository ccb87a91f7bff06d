#!/bin/sh
# Oracle for Debian version ordering: the dpkg program itself, one `dpkg --compare-versions`
# per question. Reads lines "A<TAB>B"; prints -1, 0 or 1 per line.
tab=$(printf '\t')
while IFS="$tab" read -r a b; do
  if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then
    echo -1
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then
    echo 0
  else
    echo 1
  fi
done
