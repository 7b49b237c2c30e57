// Package examples holds the example configuration files an operator starts
// from (the packages install collector.yaml, edge.yaml, tokens.yaml and
// pricebook.yaml under /etc/edgelog). Its test loads each one with the
// project's own loaders and parses a sample line with each collector
// example's log format, so the examples cannot drift from the code.
package examples
