package gen

import (
	"errors"
	"math"
	"math/rand/v2"
	"time"
)

// Options describe the traffic to generate. The zero value of each field
// means its default.
type Options struct {
	Lines     int       // valid requests to write (default 100,000)
	Malformed int       // malformed lines mixed in at random positions
	Seed      uint64    // same seed, same options: byte-identical output (default 1)
	Start     time.Time // first request (default 2026-10-01T00:00:00Z)
	Duration  time.Duration
	Customers int    // default 12
	Objects   int    // objects per host (default 400)
	Format    string // "nginx" (the Edge log_format; default), "apache", "jsonl", "w3c", "combined"
	Incidents []Incident
	// UnknownHostShare is the share of requests to hosts edge.yaml does
	// not map (default 0.001; negative for none).
	UnknownHostShare float64
}

// DefaultStart is the first request's time unless Options.Start says.
var DefaultStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func (o *Options) fill() error {
	if o.Lines == 0 {
		o.Lines = 100_000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	o.Start = o.Start.UTC()
	if o.Duration == 0 {
		o.Duration = 24 * time.Hour
	}
	if o.Customers == 0 {
		o.Customers = 12
	}
	if o.Objects == 0 {
		o.Objects = 400
	}
	if o.Format == "" {
		o.Format = "nginx"
	}
	if o.UnknownHostShare == 0 {
		o.UnknownHostShare = 0.001
	}
	switch {
	case o.Lines < 0 || o.Malformed < 0:
		return errors.New("gen: negative line count")
	case o.Customers < 2:
		return errors.New("gen: want at least 2 customers")
	case o.Objects < 8:
		return errors.New("gen: want at least 8 objects per host")
	case o.Duration < time.Minute:
		return errors.New("gen: want a duration of at least a minute")
	}
	if _, ok := formats[o.Format]; !ok {
		return errors.New("gen: unknown format " + o.Format)
	}
	return nil
}

// Event is one generated request, the input of every output format.
type Event struct {
	TimeMs     int64
	ClientIP   [16]byte
	ClientIPv4 bool
	Method     string
	Path       string
	Query      string // "" or "?..."
	Protocol   string
	Status     uint16
	BytesSent  uint64
	// BytesTotal is the headers and body the edge wrote, as the log says
	// it: in the formats that log a total (TotalFormats), the body plus
	// the response headers; in the others the body bytes, which is what
	// the pipeline stores as the total of a log without one.
	BytesTotal    uint64
	BytesReceived uint64
	Referer       string
	UserAgent     string
	Host          string
	Scheme        string
	RequestTimeUs uint32
	TTFBUs        uint32 // 0: no upstream (a cache hit), logged as "-"
	CacheStatus   string
	ContentType   string
	PoP           string
	Region        string
	Server        string
	Country       string
	ASN           uint32
	Customer      string // what edge.yaml maps Host to
}

// Generator draws events. Planned mode (Next) spreads Options.Lines over
// Options.Duration along each region's diurnal curve; live mode (At)
// stamps events with the caller's clock.
type Generator struct {
	o         Options
	rng       *rand.Rand
	w         *world
	incidents []Incident

	// planned mode: lines per minute, and the position in them
	perMinute []int
	minute    int
	inMinute  int
	emitted   int

	regionW    [8]float64 // cumulative region weights for the current hour
	regionHour int64

	servers map[string][]string // PoP -> server names
	unknown []string            // hosts edge.yaml does not map
}

// New returns a generator for o.
func New(o Options) (*Generator, error) {
	if err := o.fill(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)) // #nosec G404 -- reproducible synthetic traffic from a seed, not a secret
	g := &Generator{
		o:          o,
		rng:        rng,
		w:          newWorld(rng, o.Customers, o.Objects),
		incidents:  o.Incidents,
		regionHour: -1,
		servers:    map[string][]string{},
		unknown:    []string{"203.0.113.10", "origin-check.internal", "staging.example.org"},
	}
	for _, r := range regions {
		for _, p := range r.pops {
			for i := range p.servers {
				g.servers[p.name] = append(g.servers[p.name], "edge-"+p.name+"-"+string(rune('0'+i/10))+string(rune('0'+i%10)))
			}
		}
	}
	g.planMinutes()
	return g, nil
}

// planMinutes splits o.Lines over the minutes of o.Duration in proportion
// to the summed regional diurnal curves, rounding on the cumulative sum so
// the counts add up to exactly o.Lines.
func (g *Generator) planMinutes() {
	n := int((g.o.Duration + time.Minute - 1) / time.Minute)
	weights := make([]float64, n)
	var total float64
	for i := range weights {
		h := float64(g.o.Start.Add(time.Duration(i)*time.Minute).Unix()%86400) / 3600
		for _, r := range regions {
			weights[i] += r.weight * diurnal(math.Mod(h+r.tzHours+24, 24))
		}
		total += weights[i]
	}
	g.perMinute = make([]int, n)
	var cum float64
	prev := 0
	for i, w := range weights {
		cum += w
		upTo := int(math.Round(cum / total * float64(g.o.Lines)))
		g.perMinute[i] = upTo - prev
		prev = upTo
	}
}

// Next fills e with the next planned request and reports false after
// Options.Lines of them.
func (g *Generator) Next(e *Event) bool {
	if g.emitted >= g.o.Lines {
		return false
	}
	for g.inMinute >= g.perMinute[g.minute] {
		g.minute++
		g.inMinute = 0
	}
	cnt := int64(g.perMinute[g.minute])
	// Evenly spaced in the minute with jitter inside each slot: times
	// never go backwards, as in a real access log.
	slot := 60_000 / cnt
	t := g.o.Start.UnixMilli() + int64(g.minute)*60_000 + int64(g.inMinute)*60_000/cnt
	if slot > 1 {
		t += g.rng.Int64N(slot)
	}
	g.inMinute++
	g.emitted++
	g.At(e, t)
	return true
}

// At fills e with a request at tMs.
func (g *Generator) At(e *Event, tMs int64) {
	rng := g.rng
	*e = Event{TimeMs: tMs, Scheme: "https", Protocol: "HTTP/2.0", Method: "GET"}

	r := g.pickRegion(tMs)
	p := &r.pops[pickIndex(rng, len(r.pops), 0.5)]
	c := pickCountry(rng, r.countries)
	e.PoP, e.Region, e.Country = p.name, r.name, c.code
	e.ASN = c.asns[rng.IntN(len(c.asns))]
	e.Server = g.servers[p.name][rng.IntN(len(g.servers[p.name]))]
	g.clientIP(e, c)

	cust := &g.w.customers[g.w.custZipf.Uint64()]
	h := &cust.hosts[pickIndex(rng, len(cust.hosts), 0.45)]
	rank := h.zipf.Uint64()
	obj := &h.objects[rank]
	e.Host, e.Customer = h.name, cust.id
	if rng.Float64() < g.o.UnknownHostShare {
		e.Host, e.Customer = g.unknown[rng.IntN(len(g.unknown))], UnknownCustomer
	}
	e.Path, e.ContentType = obj.path, obj.contentType
	if h.kind == hostWeb && rng.IntN(10) == 0 {
		e.Query = queries[rng.IntN(len(queries))]
	}
	switch x := rng.Float64(); {
	case h.kind == hostAPI && x < 0.15:
		e.Method = "POST"
	case x < 0.01:
		e.Method = "HEAD"
	}
	if rng.IntN(10) < 4 {
		e.Protocol = "HTTP/1.1"
	}
	if rng.IntN(50) == 0 {
		e.Scheme = "http"
	}
	e.UserAgent = userAgents[rng.IntN(len(userAgents))]
	switch x := rng.IntN(10); {
	case x < 4:
		e.Referer = "-"
	case x < 9:
		e.Referer = "https://www." + cust.domain + "/"
	default:
		e.Referer = "https://www.google.com/"
	}
	e.BytesReceived = 250 + uint64(rng.IntN(700)) // #nosec G115 -- IntN returns [0, n), non-negative
	if e.Method == "POST" {
		e.BytesReceived += logNormal(rng, 2_000, 1)
	}

	latency, errRate := 1.0, cust.errorRate
	for i := range g.incidents {
		in := &g.incidents[i]
		if !in.active(tMs) {
			continue
		}
		if in.Kind == "latency" && in.PoP == p.name {
			latency *= in.Factor
		}
		if in.Kind == "errors" && in.Customer == e.Customer {
			errRate = in.ErrorRate
		}
	}
	g.answer(e, p, obj, rank, uint64(len(h.objects)), latency, errRate)
}

// answer decides status, cache status, bytes and timings.
func (g *Generator) answer(e *Event, p *pop, obj *object, rank, nObjects uint64, latency, errRate float64) {
	rng := g.rng
	hitRatio := p.hitRatio
	if rank > nObjects/4 { // the long tail falls out of cache more often
		hitRatio *= 0.75
	}
	hit := obj.cacheable && e.Method != "POST" && rng.Float64() < hitRatio
	e.Status, e.BytesSent = 200, obj.size
	switch {
	case !obj.cacheable || e.Method == "POST":
		e.CacheStatus = "BYPASS"
	case hit && rng.IntN(200) == 0:
		e.CacheStatus = "STALE"
	case hit:
		e.CacheStatus = "HIT"
	case rng.IntN(20) == 0:
		e.CacheStatus = "EXPIRED"
	default:
		e.CacheStatus = "MISS"
	}
	toOrigin := !hit
	switch x := rng.Float64(); {
	case toOrigin && x < errRate:
		e.Status = [...]uint16{500, 502, 502, 502, 503, 503, 504, 504}[rng.IntN(8)]
		e.BytesSent = 150 + uint64(rng.IntN(400)) // #nosec G115 -- IntN returns [0, n), non-negative
		e.ContentType = "text/html"
	case x < 0.012:
		e.Status, e.BytesSent, e.ContentType = 404, 150+uint64(rng.IntN(300)), "text/html" // #nosec G115 -- IntN returns [0, n), non-negative
	case x < 0.015:
		e.Status, e.BytesSent, e.ContentType = 403, 150+uint64(rng.IntN(100)), "text/html" // #nosec G115 -- IntN returns [0, n), non-negative
	case x < 0.018:
		e.Status, e.BytesSent, e.ContentType = 301, 162, "text/html"
	case x < 0.06 && obj.cacheable:
		e.Status, e.BytesSent = 304, 0
	case e.ContentType == "video/mp2t" && x < 0.35:
		e.Status = 206
		e.BytesSent = obj.size/4 + uint64(rng.Int64N(int64(obj.size/2)+1)) // #nosec G115 -- object sizes are small positive numbers; Int64N returns [0, n)
	}
	if e.Method == "HEAD" {
		e.BytesSent = 0
	}
	e.BytesTotal = e.BytesSent
	if TotalFormats[g.o.Format] {
		// Response headers: a status line, a date, the content type, the
		// cache status and the server; no random draw, so adding the
		// total changed no other figure of a seed.
		e.BytesTotal += 180 + 2*uint64(len(e.ContentType)+len(e.CacheStatus)) + uint64(e.TimeMs%97) // #nosec G115 -- TimeMs of a generated request is positive
	}

	// An incident's factor slows everything at the PoP: round trips,
	// origin fetches and transfers (at a per-client throughput around
	// 8 MB/s).
	ms := p.rttMs * latency * math.Exp(0.3*rng.NormFloat64())
	if toOrigin {
		ttfb := p.originMs * latency * math.Exp(0.5*rng.NormFloat64())
		if e.Status == 504 {
			ttfb = 60_000
		}
		e.TTFBUs = uint32(ttfb*1000) + 1
		ms += ttfb
	}
	ms += latency * float64(e.BytesSent) / (8_000 * math.Exp(0.6*rng.NormFloat64()))
	e.RequestTimeUs = uint32(math.Min(ms, 3_600_000) * 1000)
	// nginx logs both times in milliseconds; keep them consistent with
	// what the log can say, so the truth equals what a parser reads back.
	e.RequestTimeUs -= e.RequestTimeUs % 1000
	if e.TTFBUs != 0 {
		e.TTFBUs -= e.TTFBUs % 1000
		if e.TTFBUs == 0 {
			e.TTFBUs = 1000
		}
	}
}

func (g *Generator) pickRegion(tMs int64) *region {
	if hour := tMs / 3_600_000; hour != g.regionHour {
		g.regionHour = hour
		h := float64(hour % 24)
		var cum float64
		for i, r := range regions {
			cum += r.weight * diurnal(math.Mod(h+r.tzHours+24, 24))
			g.regionW[i] = cum
		}
	}
	x := g.rng.Float64() * g.regionW[len(regions)-1]
	for i := range regions {
		if x < g.regionW[i] {
			return &regions[i]
		}
	}
	return &regions[len(regions)-1]
}

// pickIndex picks among n items, item i with weight decay^i.
func pickIndex(rng *rand.Rand, n int, decay float64) int {
	for i := 0; i < n-1; i++ {
		if rng.Float64() >= decay {
			return i
		}
	}
	return n - 1
}

func pickCountry(rng *rand.Rand, cs []country) *country {
	x := rng.Float64()
	for i := range cs {
		if x < cs[i].weight {
			return &cs[i]
		}
		x -= cs[i].weight
	}
	return &cs[len(cs)-1]
}

// clientIP draws an address of country c: IPv4 in the country's prefix, or
// for one client in ten an IPv6 address in a per-country documentation-style
// prefix.
func (g *Generator) clientIP(e *Event, c *country) {
	if g.rng.IntN(10) == 0 {
		e.ClientIP = [16]byte{0x2a, 0x02, c.v4[0], c.v4[1]}
		for i := 8; i < 16; i++ {
			e.ClientIP[i] = byte(g.rng.Uint32()) // #nosec G115 -- random bytes: truncation is intended
		}
		return
	}
	e.ClientIPv4 = true
	e.ClientIP = [16]byte{10: 0xff, 11: 0xff, 12: c.v4[0], 13: c.v4[1], 14: byte(g.rng.Uint32()), 15: 1 + byte(g.rng.IntN(254))} // #nosec G115 -- random bytes: truncation is intended; IntN(254) < 255
}

// UnknownCustomer is the default customer in the generated edge.yaml, the
// one requests to unmapped hosts are billed to.
const UnknownCustomer = "unknown"

var queries = []string{"?utm_source=newsletter", "?v=2", "?ref=home&lang=en", "?q=shoes"}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
	"curl/8.10.1",
	"Go-http-client/2.0",
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
}
