// Oracle for Go module version ordering: golang.org/x/mod/semver.
// Reads lines "c<TAB>A<TAB>B" (compare) or "v<TAB>A" (is it valid); prints -1/0/1 or 1/0 per line.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		f := strings.Split(in.Text(), "\t")
		if f[0] == "c" {
			fmt.Fprintln(out, semver.Compare(f[1], f[2]))
		} else if semver.IsValid(f[1]) {
			fmt.Fprintln(out, 1)
		} else {
			fmt.Fprintln(out, 0)
		}
	}
}
