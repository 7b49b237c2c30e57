package collector

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/edgelog/edgelog/collector/enrich"
	"github.com/edgelog/edgelog/collector/format"
	"github.com/edgelog/edgelog/collector/format/apache"
	"github.com/edgelog/edgelog/collector/format/nginx"
	"github.com/edgelog/edgelog/collector/geo"
	"github.com/edgelog/edgelog/internal/record"
)

// Checker runs lines through what the collector does to them before
// shipping (the fast and the lenient parse, the row checks, the client of
// an address chain, the host mapping and GeoIP), shipping nothing: the
// engine of `edgelog check`. Not safe for concurrent use.
type Checker struct {
	lp  *lineParser
	enr *enrichment
	gc  geo.Cache
}

// NewChecker builds the line handling of cfg for the log family kind and
// its format text: the parser, trusted_proxies, max_line_bytes and, when
// cfg names them, the edge mapping (default_customer applied) and the
// GeoIP databases. Without an edge mapping every host is the default
// customer's. cfg need not be valid for shipping (no inputs, no Kafka).
func NewChecker(cfg Config, kind, text string) (*Checker, error) {
	p, err := NewParser(kind, text)
	if err != nil {
		return nil, err
	}
	proxies, err := enrich.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	if cfg.MaxLineBytes == 0 {
		cfg.MaxLineBytes = 1 << 20
	}
	enr := &enrichment{}
	if cfg.EdgeConfig != "" {
		if enr, err = loadEnrichment(&cfg); err != nil {
			return nil, err
		}
	} else {
		ec := &enrich.Config{DefaultCustomer: cfg.DefaultCustomer}
		if err := ec.Validate(); err != nil {
			return nil, err
		}
		if enr.geo, err = geo.Open(cfg.GeoIP.CountryDB, cfg.GeoIP.ASNDB); err != nil {
			return nil, err
		}
		enr.edge = enrich.New(ec)
	}
	return &Checker{lp: newLineParser(p, proxies, cfg.MaxLineBytes), enr: enr}, nil
}

// Line handles one line, without its newline (oversize: it was longer
// than max_line_bytes and cut). reject is the dead-letter reason, or ""
// for a row in r; skip says the line holds no request (a W3C directive).
func (c *Checker) Line(line []byte, oversize bool, r *record.Record) (reject string, skip bool) {
	reject = c.lp.parse(line, oversize, r)
	if reject == noRecord {
		return "", true
	}
	if reject != "" {
		return reject, false
	}
	c.enr.edge.Enrich(r)
	if c.enr.geo != nil && r.ClientIP != ([16]byte{}) && (len(r.Str[record.Country]) == 0 || r.ASN == 0) {
		country, asn := c.gc.Lookup(c.enr.geo, record.ClientAddr(r.ClientIP))
		if len(r.Str[record.Country]) == 0 {
			r.Str[record.Country] = country
		}
		if r.ASN == 0 {
			r.ASN = asn
		}
	}
	return "", false
}

// Fallbacks are the fallbacks of the last line Line kept, nil when it
// took none. They are valid until the next call of Line.
func (c *Checker) Fallbacks() []format.Fallback {
	if !c.lp.odd {
		return nil
	}
	return c.lp.notes.Fallbacks
}

// AddressList is the address chain of the last line Line kept, when it
// had one (see lineParser.AddressList); nil otherwise.
func (c *Checker) AddressList() []byte { return c.lp.AddressList() }

// KnownFormat is a log format DetectFormat knows: the family and format
// text the collector's config would name.
type KnownFormat struct {
	Name string // "nginx combined"
	Kind string // Config.FormatKind
	Text string // Config.Format
}

// KnownFormats are the formats DetectFormat tries, the most specific of
// each family first.
var KnownFormats = []KnownFormat{
	{"nginx edge (edgelog's CDN fields)", "nginx", nginx.Edge},
	{"nginx main (combined and X-Forwarded-For)", "nginx", nginx.Combined + ` "$http_x_forwarded_for"`},
	{"nginx vhost (host before combined)", "nginx", `$host ` + nginx.Combined},
	{"nginx combined", "nginx", nginx.Combined},
	{"Apache vhost_combined", "apache", apache.VHostCombined},
	{"Apache combined", "apache", apache.Combined},
	{"Apache common", "apache", apache.Common},
	{"W3C extended with its #Fields header (IIS; CloudFront files as stored)", "w3c", ""},
	{"CloudFront (its standard fields, no header needed)", "cloudfront", ""},
	{"Caddy (JSON)", "caddy", ""},
	{"JSON lines (nginx escape=json keys)", "jsonl", ""},
}

// Fit is how well one known format reads a sample.
type Fit struct {
	KnownFormat
	Lines  int    // data lines of the sample (W3C directives not counted)
	Strict int    // lines the fast path reads whole
	Kept   int    // lines kept, the lenient path included
	Error  string // the commonest reason the fast path refused a line
}

// DetectFormat tries every known format on sample (lines without their
// newlines, in file order) and returns the fits, best first: the most
// lines read whole by the fast path, then the most kept, then the most
// specific. best is false when the best reads no line whole or keeps
// fewer than half of them.
func DetectFormat(sample [][]byte) (fits []Fit, best bool) {
	for _, kf := range KnownFormats {
		p, err := NewParser(kf.Kind, kf.Text)
		if err != nil {
			panic("BUG: known format " + kf.Name + ": " + err.Error())
		}
		f := Fit{KnownFormat: kf}
		lp := newLineParser(p, enrich.Proxies{}, 1<<20)
		errs := map[string]int{}
		var r record.Record
		for _, line := range sample {
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			// Two parsers, each seeing every line (a W3C parser keeps
			// its #Fields): the fast path alone, and the collector's.
			kept := lp.parse(line, false, &r) == ""
			err := p.Parse(line, &r)
			if errors.Is(err, format.ErrNoRecord) {
				continue
			}
			f.Lines++
			if kept {
				f.Kept++
			}
			if err == nil {
				f.Strict++
			} else {
				errs[reasonGroup(err.Error())]++
			}
		}
		f.Error = commonest(errs)
		fits = append(fits, f)
	}
	sort.SliceStable(fits, func(i, j int) bool {
		if fits[i].Strict != fits[j].Strict {
			return fits[i].Strict > fits[j].Strict
		}
		return fits[i].Kept > fits[j].Kept
	})
	return fits, len(fits) > 0 && fits[0].Strict > 0 && fits[0].Kept*2 >= fits[0].Lines
}

func commonest(m map[string]int) string {
	best, n := "", 0
	for k, v := range m {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	return best
}

// ReasonGroup is a dead-letter reason without the value it quotes, so
// that the lines refused for one reason count together: `parse: field
// $status "000": status out of range` is `parse: field $status: status out
// of range`.
func ReasonGroup(reason string) string { return reasonGroup(reason) }

func reasonGroup(reason string) string {
	i := strings.Index(reason, ` "`)
	if i < 0 {
		return reason
	}
	j := strings.Index(reason[i+2:], `": `)
	if j < 0 {
		return reason
	}
	return reason[:i] + reason[i+2+j+1:]
}
