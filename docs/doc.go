// Package docs generates the operator's reference from the code, so it
// cannot drift: a page per subcommand (cli/<command>.md) by cobra's
// markdown generator over the binary's command tree, and metrics.md from the Prometheus metrics each stage
// registers. TestGenerated fails while the committed pages differ from
// what the generators write; `make docs` (go test ./docs/ -run
// TestGenerated -update) rewrites them.
package docs
