// Package enrich completes parsed records with what the log line does not
// say: the customer (from the Host header through a mapping file) and the
// region of the PoP; and it picks the client of an address chain (Proxies).
// It runs in the collector, once per line, so lookups are
// map hits on the line's own bytes without allocation.
package enrich

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgelog/edgelog/internal/record"
)

// Config is the edge mapping file (edge.yaml).
//
//	default_customer: unknown   # customer for hosts no entry matches
//	hosts:                      # exact host, or "*.suffix" for any subdomain
//	  www.acme.com: acme
//	  "*.acme-cdn.net": acme
//	pops:                       # PoP -> region
//	  fra1: eu-central
//	pop: fra1                   # this server's PoP, when lines don't say it
//	server: edge-fra1-07        # this server's id, when lines don't say it
type Config struct {
	DefaultCustomer string            `yaml:"default_customer"`
	Hosts           map[string]string `yaml:"hosts"`
	Pops            map[string]string `yaml:"pops"`
	PoP             string            `yaml:"pop"`
	Server          string            `yaml:"server"`
}

// DefaultCustomerID is used when the file names no default_customer.
const DefaultCustomerID = "unknown"

// Load reads and validates a mapping file. Unknown keys are an error.
func Load(path string) (*Config, error) {
	f, err := os.Open(path) // #nosec G304 -- path from the operator's config
	if err != nil {
		return nil, fmt.Errorf("cannot read edge mapping: %w", err)
	}
	defer f.Close()
	var c Config
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("cannot parse edge mapping %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("invalid edge mapping %s: %w", path, err)
	}
	return &c, nil
}

// Validate checks the mapping and fills defaults.
func (c *Config) Validate() error {
	if c.DefaultCustomer == "" {
		c.DefaultCustomer = DefaultCustomerID
	}
	for host, cust := range c.Hosts {
		if host == "" || cust == "" {
			return fmt.Errorf("host mapping %q: %q: empty host or customer", host, cust)
		}
		if strings.Contains(host[1:], "*") || (host[0] == '*' && !strings.HasPrefix(host, "*.")) {
			return fmt.Errorf("host mapping %q: a wildcard may only be a leading \"*.\"", host)
		}
	}
	return nil
}

// Enricher applies a Config to records. It is safe for concurrent use once
// built; a reload builds a new Enricher.
type Enricher struct {
	exact    map[string][]byte
	suffixes []suffix // longest first, so the most specific wins
	pops     map[string][]byte
	def      []byte
	pop      []byte
	region   []byte // pop's region, looked up once
	server   []byte
}

type suffix struct {
	dotSuffix string // ".acme-cdn.net"
	customer  []byte
}

// New builds an Enricher from c (already validated).
func New(c *Config) *Enricher {
	e := &Enricher{
		exact:  make(map[string][]byte, len(c.Hosts)),
		pops:   make(map[string][]byte, len(c.Pops)),
		def:    []byte(c.DefaultCustomer),
		pop:    []byte(c.PoP),
		server: []byte(c.Server),
	}
	for host, cust := range c.Hosts {
		host = strings.ToLower(host)
		if strings.HasPrefix(host, "*.") {
			e.suffixes = append(e.suffixes, suffix{dotSuffix: host[1:], customer: []byte(cust)})
		} else {
			e.exact[host] = []byte(cust)
		}
	}
	sort.Slice(e.suffixes, func(i, j int) bool { return len(e.suffixes[i].dotSuffix) > len(e.suffixes[j].dotSuffix) })
	for pop, region := range c.Pops {
		e.pops[pop] = []byte(region)
	}
	e.region = e.pops[c.PoP]
	return e
}

// Enrich fills the customer, PoP, server and region of r. It reports whether
// the host was unknown and fell back to the default customer, so the caller
// can count it. A customer already set by the log line is kept.
func (e *Enricher) Enrich(r *record.Record) (unknownHost bool) {
	if len(r.Str[record.Server]) == 0 {
		r.Str[record.Server] = e.server
	}
	if len(r.Str[record.PoP]) == 0 { // most formats: the server's own PoP, its region looked up once
		r.Str[record.PoP] = e.pop
		if len(r.Str[record.Region]) == 0 {
			r.Str[record.Region] = e.region
		}
	} else if len(r.Str[record.Region]) == 0 {
		r.Str[record.Region] = e.pops[string(r.Str[record.PoP])] // no allocation: map index by string(bytes)
	}
	if len(r.Str[record.Customer]) != 0 {
		return false
	}
	host := stripPort(r.Str[record.Host])
	if len(host) == 0 { // formats without a host (nginx's combined); no mapping has an empty host
		r.Str[record.Customer] = e.def
		return true
	}
	if c, ok := e.exact[string(host)]; ok {
		r.Str[record.Customer] = c
		return false
	}
	for _, s := range e.suffixes {
		if hasSuffixFold(host, s.dotSuffix) {
			r.Str[record.Customer] = s.customer
			return false
		}
	}
	if c, ok := e.exact[strings.ToLower(string(host))]; ok { // rare: mixed-case Host
		r.Str[record.Customer] = c
		return false
	}
	r.Str[record.Customer] = e.def
	return true
}

func stripPort(h []byte) []byte {
	for i := len(h) - 1; i >= 0; i-- {
		switch h[i] {
		case ':':
			return h[:i]
		case ']', '.':
			return h
		}
	}
	return h
}

func hasSuffixFold(b []byte, s string) bool {
	if len(b) < len(s) {
		return false
	}
	b = b[len(b)-len(s):]
	for i := 0; i < len(s); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
