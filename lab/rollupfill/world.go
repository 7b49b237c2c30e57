// Package rollupfill writes traffic straight into the rollup tables at a
// scale no raw-row load could reach on one machine — by default a month at
// 43.71 billion requests a day (Akamai's 2004 record day), 50 customers, 8
// regions, 40 PoPs — so the query layer's latency is measured on rollups of
// production size. The raw table stays empty: dashboards and bills never
// read it.
//
// No statement here names a rollup's columns. The world is drawn as rows
// shaped like the raw table, each standing for many requests (draw.go);
// the rollups whose dimensions no finer rollup holds (traffic_1m,
// edge_servers_1m, perf_1m, perf_geo_1h, path_hits_1h today) are written
// by their own views' expressions over those rows, counts weighted
// (schema.Rollup.InsertWeighted), and every other rollup is folded from
// the coarsest finer one that holds its dimensions and measures
// (schema.Rollup.Fold), so the tables agree with each other exactly, as
// the materialized views make them. A measure added to a rollup is filled
// with no change here.
package rollupfill

import (
	"fmt"
	"math"
	"time"
)

// Scale is the size of the traffic to write.
type Scale struct {
	Start          time.Time // first day (UTC midnight)
	Days           int
	RequestsPerDay float64
	Customers      int
	// PoPsPerRegion of the 8 regions (5 gives 40 PoPs).
	PoPsPerRegion int
	ServersPerPoP int
	// Samples is how many rows stand for a combo's minute (a customer's
	// traffic on one host at one PoP from one country), each with its own
	// draws of status, cache status, server, network, path and latency: a
	// latency state of perf_1m holds Samples values per combo it covers.
	Samples int
	// PathsPerHost is how many paths a host serves; requests fall on them
	// along a Zipf curve (the k-th most requested gets 1/k of the first).
	PathsPerHost int
	// SlowPoP, when set, is served at SlowFactor times its usual latency
	// from SlowFrom to SlowTo (the "slowest places" ranking finds it).
	SlowPoP          string
	SlowFrom, SlowTo time.Time
	SlowFactor       float64
}

// Production is the benchmark's scale: a month at 43.71 billion requests a
// day.
func Production(start time.Time) Scale {
	return Scale{Start: start, Days: 31, RequestsPerDay: 43.71e9, Customers: 50, PoPsPerRegion: 5, ServersPerPoP: 10,
		Samples: 4, PathsPerHost: 3000,
		SlowPoP: "bom1", SlowFrom: start.Add(9*24*time.Hour + 12*time.Hour), SlowTo: start.Add(9*24*time.Hour + 16*time.Hour), SlowFactor: 4}
}

type region struct {
	name      string
	tzHours   float64 // traffic peaks in the region's evening
	weight    float64
	pops      []string // airport codes; PoP names are code + index
	countries []country
}

type country struct {
	code   string
	weight float64
	asns   []uint32
}

var regions = []region{
	{"na-east", -5, 0.22, []string{"iad", "ewr", "atl", "bos", "mia"}, []country{{"US", 0.85, []uint32{7922, 701, 7018}}, {"CA", 0.15, []uint32{812, 577, 6327}}}},
	{"na-west", -8, 0.16, []string{"sjc", "lax", "sea", "den", "phx"}, []country{{"US", 0.8, []uint32{7922, 22773, 7018}}, {"MX", 0.2, []uint32{8151, 28548, 13999}}}},
	{"eu-west", 0, 0.17, []string{"lhr", "ams", "cdg", "mad", "dub"}, []country{{"GB", 0.35, []uint32{2856, 5089, 5607}}, {"FR", 0.3, []uint32{3215, 12322, 15557}}, {"NL", 0.15, []uint32{1136, 33915, 31615}}, {"ES", 0.2, []uint32{3352, 12479, 12430}}}},
	{"eu-central", 1, 0.12, []string{"fra", "waw", "vie", "prg", "zrh"}, []country{{"DE", 0.6, []uint32{3320, 3209, 6805}}, {"PL", 0.25, []uint32{5617, 12912, 6830}}, {"AT", 0.15, []uint32{8447, 25255, 1853}}}},
	{"ap-south", 5.5, 0.12, []string{"bom", "del", "maa", "blr", "ccu"}, []country{{"IN", 0.85, []uint32{55836, 24560, 9829}}, {"BD", 0.15, []uint32{24389, 17494, 58717}}}},
	{"ap-east", 8, 0.13, []string{"nrt", "hkg", "sin", "icn", "tpe"}, []country{{"JP", 0.4, []uint32{4713, 2516, 17676}}, {"KR", 0.2, []uint32{4766, 9318, 3786}}, {"SG", 0.4, []uint32{9506, 4773, 7473}}}},
	{"sa-east", -3, 0.06, []string{"gru", "scl", "eze", "bog", "lim"}, []country{{"BR", 0.7, []uint32{28573, 18881, 26599}}, {"AR", 0.3, []uint32{7303, 22927, 10318}}}},
	{"af-south", 2, 0.02, []string{"jnb", "cpt", "los", "nbo", "cai"}, []country{{"ZA", 0.6, []uint32{37457, 36994, 3741}}, {"NG", 0.4, []uint32{29465, 37148, 36873}}}},
}

// combo is one row of the minute rollup per minute: a customer's traffic
// on one host at one PoP from one country.
type combo struct {
	id                     uint32
	customer, host         string
	region, pop, country   string
	share                  float64 // of all requests
	phase                  float64 // the region's evening peak, as a fraction of the UTC day
	bytesPerReq, hit, err5 float64
	latencyMs              float64
	// asns are the country's networks, carrying 60, 30 and 10% of its
	// requests.
	asns []uint32
	// slot is the combo's index among its PoP's combos: its requests go
	// to the PoP's servers from slot*Samples on, so every server of a PoP
	// with enough combos logs every minute.
	slot uint32
}

// CustomerName is the id of customer i.
func CustomerName(i int) string { return fmt.Sprintf("cust%02d", i) }

// PoPName is the name of PoP j of region r.
func PoPName(r, j int) string { return fmt.Sprintf("%s1", regions[r].pops[j]) }

// world draws the combos: customers' shares follow Zipf (s=1.1); the big
// customers are served from every PoP, the small ones from a few; each
// customer has two hosts (site 70%, CDN host 30%).
func (s Scale) world() []combo {
	var cw []float64
	var sum float64
	for i := range s.Customers {
		w := 1 / math.Pow(float64(i+1), 1.1)
		cw = append(cw, w)
		sum += w
	}
	var combos []combo
	slots := map[string]uint32{}
	for i := range s.Customers {
		name := CustomerName(i)
		share := cw[i] / sum
		// How many PoPs of each region serve the customer.
		pops := max(1, int(math.Round(float64(s.PoPsPerRegion)*math.Pow(cw[i]/cw[0], 0.35))))
		bpr := 20_000 + float64((i*7919)%9)*15_000 // 20 KB (web) to 140 KB (video)
		for r, reg := range regions {
			for j := range pops {
				popW := 1 / float64(j+1)
				var popSum float64
				for k := range pops {
					popSum += 1 / float64(k+1)
				}
				for _, c := range reg.countries {
					for h, hostShare := range []float64{0.7, 0.3} {
						host := fmt.Sprintf("www.%s.example", name)
						if h == 1 {
							host = fmt.Sprintf("%s.edgecdn.net", name)
						}
						slot := slots[PoPName(r, j)]
						slots[PoPName(r, j)]++
						combos = append(combos, combo{
							id: uint32(len(combos)), customer: name, host: host, // #nosec G115 -- combos are few (far below 2^32)
							region: reg.name, pop: PoPName(r, j), country: c.code,
							share:       share * reg.weight * popW / popSum * c.weight * hostShare,
							phase:       math.Mod((20-reg.tzHours)/24+1, 1),
							bytesPerReq: bpr, hit: 0.85 + 0.1*float64(j%2), err5: 0.002 + 0.001*float64(r%3),
							latencyMs: 30 + 12*float64(r) + 4*float64(j), asns: c.asns, slot: slot,
						})
					}
				}
			}
		}
	}
	return combos
}
