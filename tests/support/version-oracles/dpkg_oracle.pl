#!/usr/bin/perl
# Oracle for Debian version ordering: dpkg's own Dpkg::Version (libdpkg-perl).
# Reads lines "c<TAB>A<TAB>B" (compare) or "v<TAB>A" (is it valid); prints -1/0/1 or 1/0 per line.
use strict;
use warnings;
use Dpkg::Version qw(version_compare version_check);

while (my $line = <STDIN>) {
    chomp $line;
    my ($op, $x, $y) = split /\t/, $line, -1;
    if ($op eq 'c') {
        my $r = version_compare($x, $y);
        print(($r < 0 ? -1 : $r > 0 ? 1 : 0), "\n");
    } else {
        print((version_check($x) ? 1 : 0), "\n");
    }
}
