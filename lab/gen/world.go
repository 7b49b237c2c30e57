package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// region is a billing region with its PoPs and the countries it serves.
type region struct {
	name      string
	tzHours   float64 // local time offset: each region's traffic peaks in its own evening
	weight    float64 // share of traffic at the regions' common peak
	pops      []pop
	countries []country
}

// pop is a point of presence: where the request was served.
type pop struct {
	name     string
	region   string
	rttMs    float64 // client round trip, part of every request's time
	originMs float64 // median origin time to first byte on a miss
	hitRatio float64 // share of cacheable requests served from cache
	servers  int
}

type country struct {
	code   string
	weight float64
	asns   []uint32
	v4     [2]byte // first two octets of its client addresses
}

// regions is the fixed geography. The ASNs are real networks of each
// country so the performance-by-ASN views read naturally.
var regions = []region{
	{name: "na-east", tzHours: -5, weight: 0.22,
		pops:      []pop{{name: "iad1", rttMs: 18, originMs: 45, hitRatio: 0.93, servers: 6}, {name: "ewr1", rttMs: 20, originMs: 50, hitRatio: 0.92, servers: 4}, {name: "atl1", rttMs: 24, originMs: 60, hitRatio: 0.90, servers: 3}},
		countries: []country{{code: "US", weight: 0.85, asns: []uint32{7922, 701, 7018, 20115}, v4: [2]byte{73, 12}}, {code: "CA", weight: 0.15, asns: []uint32{812, 577}, v4: [2]byte{99, 224}}}},
	{name: "na-west", tzHours: -8, weight: 0.16,
		pops:      []pop{{name: "sjc1", rttMs: 16, originMs: 40, hitRatio: 0.94, servers: 5}, {name: "lax1", rttMs: 19, originMs: 48, hitRatio: 0.91, servers: 4}, {name: "sea1", rttMs: 22, originMs: 55, hitRatio: 0.89, servers: 2}},
		countries: []country{{code: "US", weight: 0.8, asns: []uint32{7922, 22773, 7018}, v4: [2]byte{76, 102}}, {code: "CA", weight: 0.1, asns: []uint32{6327}, v4: [2]byte{24, 84}}, {code: "MX", weight: 0.1, asns: []uint32{8151, 28548}, v4: [2]byte{187, 190}}}},
	{name: "eu-west", tzHours: 0, weight: 0.17,
		pops:      []pop{{name: "lhr1", rttMs: 15, originMs: 38, hitRatio: 0.93, servers: 6}, {name: "ams1", rttMs: 14, originMs: 36, hitRatio: 0.94, servers: 5}, {name: "cdg1", rttMs: 17, originMs: 42, hitRatio: 0.92, servers: 4}},
		countries: []country{{code: "GB", weight: 0.35, asns: []uint32{2856, 5089, 5607}, v4: [2]byte{86, 128}}, {code: "NL", weight: 0.15, asns: []uint32{1136, 33915}, v4: [2]byte{145, 53}}, {code: "FR", weight: 0.3, asns: []uint32{3215, 12322, 15557}, v4: [2]byte{90, 12}}, {code: "ES", weight: 0.15, asns: []uint32{3352, 12479}, v4: [2]byte{83, 45}}, {code: "IE", weight: 0.05, asns: []uint32{5466}, v4: [2]byte{89, 100}}}},
	{name: "eu-central", tzHours: 1, weight: 0.12,
		pops:      []pop{{name: "fra1", rttMs: 14, originMs: 35, hitRatio: 0.94, servers: 6}, {name: "waw1", rttMs: 21, originMs: 52, hitRatio: 0.90, servers: 3}},
		countries: []country{{code: "DE", weight: 0.6, asns: []uint32{3320, 3209, 6805}, v4: [2]byte{84, 150}}, {code: "PL", weight: 0.25, asns: []uint32{5617, 12912}, v4: [2]byte{83, 24}}, {code: "AT", weight: 0.15, asns: []uint32{8447}, v4: [2]byte{91, 113}}}},
	{name: "ap-south", tzHours: 5.5, weight: 0.12,
		pops:      []pop{{name: "bom1", rttMs: 32, originMs: 90, hitRatio: 0.88, servers: 4}, {name: "del1", rttMs: 35, originMs: 95, hitRatio: 0.87, servers: 3}, {name: "maa1", rttMs: 38, originMs: 100, hitRatio: 0.86, servers: 2}},
		countries: []country{{code: "IN", weight: 0.85, asns: []uint32{55836, 24560, 9829, 45609}, v4: [2]byte{49, 36}}, {code: "BD", weight: 0.1, asns: []uint32{24389}, v4: [2]byte{103, 4}}, {code: "LK", weight: 0.05, asns: []uint32{18001}, v4: [2]byte{112, 134}}}},
	{name: "ap-east", tzHours: 8, weight: 0.13,
		pops:      []pop{{name: "nrt1", rttMs: 20, originMs: 70, hitRatio: 0.92, servers: 5}, {name: "hkg1", rttMs: 24, originMs: 75, hitRatio: 0.90, servers: 3}, {name: "sin1", rttMs: 26, originMs: 80, hitRatio: 0.90, servers: 4}},
		countries: []country{{code: "JP", weight: 0.4, asns: []uint32{4713, 2516, 17676}, v4: [2]byte{126, 10}}, {code: "KR", weight: 0.2, asns: []uint32{4766, 9318}, v4: [2]byte{121, 130}}, {code: "HK", weight: 0.15, asns: []uint32{4760, 9269}, v4: [2]byte{112, 118}}, {code: "SG", weight: 0.25, asns: []uint32{9506, 4773}, v4: [2]byte{116, 86}}}},
	{name: "sa-east", tzHours: -3, weight: 0.06,
		pops:      []pop{{name: "gru1", rttMs: 28, originMs: 110, hitRatio: 0.87, servers: 3}, {name: "scl1", rttMs: 34, originMs: 120, hitRatio: 0.85, servers: 2}},
		countries: []country{{code: "BR", weight: 0.7, asns: []uint32{28573, 18881, 26599}, v4: [2]byte{177, 32}}, {code: "AR", weight: 0.15, asns: []uint32{7303, 22927}, v4: [2]byte{181, 46}}, {code: "CL", weight: 0.15, asns: []uint32{7418, 27651}, v4: [2]byte{190, 160}}}},
	{name: "af-south", tzHours: 2, weight: 0.02,
		pops:      []pop{{name: "jnb1", rttMs: 40, originMs: 160, hitRatio: 0.83, servers: 2}},
		countries: []country{{code: "ZA", weight: 0.6, asns: []uint32{37457, 36994}, v4: [2]byte{105, 224}}, {code: "NG", weight: 0.25, asns: []uint32{29465, 37148}, v4: [2]byte{102, 88}}, {code: "KE", weight: 0.15, asns: []uint32{33771}, v4: [2]byte{105, 160}}}},
}

func init() {
	for i := range regions {
		for j := range regions[i].pops {
			regions[i].pops[j].region = regions[i].name
		}
	}
}

// diurnal is a region's relative request rate at local hour h: a trough
// around 08:00 at a tenth of the evening peak around 20:00.
func diurnal(h float64) float64 {
	return 0.55 + 0.45*math.Cos(2*math.Pi*(h-20)/24)
}

// customer is a CDN customer with its hosts and, per host, its objects.
type customer struct {
	id     string
	domain string
	hosts  []host
	// errorRate is this customer's everyday share of 5xx answers from origin.
	errorRate float64
}

type host struct {
	name    string
	kind    hostKind
	objects []object
	zipf    *rand.Zipf
}

type hostKind int

const (
	hostWeb hostKind = iota
	hostImages
	hostVideo
	hostAPI
	hostDownloads
)

var hostPrefixes = [...]string{hostWeb: "www", hostImages: "img", hostVideo: "video", hostAPI: "api", hostDownloads: "dl"}

type object struct {
	path        string
	contentType string
	size        uint64
	cacheable   bool
}

// customerNames are the first customers' ids; later ones are numbered.
var customerNames = []string{
	"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka",
	"tyrell", "cyberdyne", "soylent", "oscorp", "aperture", "vandelay", "dunder",
	"massive", "pied-piper", "gringotts", "monarch", "nakatomi",
}

// world is everything drawn once from the seed: customers, hosts and
// objects. Generating lines then only draws per request.
type world struct {
	customers []customer
	custZipf  *rand.Zipf
}

func newWorld(rng *rand.Rand, nCustomers, objectsPerHost int) *world {
	w := &world{}
	for i := range nCustomers {
		id := fmt.Sprintf("cust-%03d", i+1)
		if i < len(customerNames) {
			id = customerNames[i]
		}
		c := customer{id: id, domain: id + ".example", errorRate: 0.001 + rng.Float64()*0.004}
		// Every customer has a web host; bigger ones add images, video,
		// an API and downloads.
		kinds := []hostKind{hostWeb, hostImages}
		for _, k := range []hostKind{hostVideo, hostAPI, hostDownloads} {
			if rng.Float64() < 0.5 {
				kinds = append(kinds, k)
			}
		}
		for _, k := range kinds {
			h := host{kind: k}
			if k == hostWeb {
				h.name = "www." + c.domain
			} else {
				// Secondary hosts live on a per-customer CDN domain,
				// mapped by a wildcard in edge.yaml.
				h.name = hostPrefixes[k] + "." + id + "-cdn.net"
			}
			h.objects = makeObjects(rng, k, objectsPerHost)
			h.zipf = rand.NewZipf(rng, 1.07, 4, uint64(len(h.objects)-1)) // #nosec G115 -- a length minus one of a non-empty list
			c.hosts = append(c.hosts, h)
		}
		w.customers = append(w.customers, c)
	}
	w.custZipf = rand.NewZipf(rng, 1.2, 2, uint64(nCustomers-1)) // #nosec G115 -- a positive customer count minus one
	return w
}

func makeObjects(rng *rand.Rand, k hostKind, n int) []object {
	objs := make([]object, n)
	for i := range objs {
		o := &objs[i]
		o.cacheable = true
		switch k {
		case hostWeb:
			switch i % 5 {
			case 0:
				o.path, o.contentType, o.size = fmt.Sprintf("/page/%d", i), "text/html; charset=utf-8", logNormal(rng, 30_000, 0.6)
				o.cacheable = i%10 != 0 // some pages are personalised
			case 1:
				o.path, o.contentType, o.size = fmt.Sprintf("/static/app.%x.js", rng.Uint32()), "application/javascript", logNormal(rng, 120_000, 0.8)
			case 2:
				o.path, o.contentType, o.size = fmt.Sprintf("/static/site.%x.css", rng.Uint32()), "text/css", logNormal(rng, 40_000, 0.5)
			default:
				o.path, o.contentType, o.size = fmt.Sprintf("/assets/img/%d.png", i), "image/png", logNormal(rng, 60_000, 0.9)
			}
		case hostImages:
			ext, ct := ".jpg", "image/jpeg"
			if i%3 == 0 {
				ext, ct = ".webp", "image/webp"
			}
			o.path, o.contentType, o.size = fmt.Sprintf("/i/%x/%d%s", rng.Uint32()&0xffff, i, ext), ct, logNormal(rng, 150_000, 0.9)
		case hostVideo:
			if i%20 == 0 {
				o.path, o.contentType, o.size = fmt.Sprintf("/v/%d/master.m3u8", i/20), "application/vnd.apple.mpegurl", logNormal(rng, 2_000, 0.3)
			} else {
				o.path, o.contentType, o.size = fmt.Sprintf("/v/%d/seg-%05d.ts", i/20, i%20), "video/mp2t", logNormal(rng, 1_200_000, 0.4)
			}
		case hostAPI:
			o.path, o.contentType, o.size = fmt.Sprintf("/v2/items/%d", i), "application/json", logNormal(rng, 3_000, 1.0)
			o.cacheable = i%4 == 0
		case hostDownloads:
			o.path, o.contentType, o.size = fmt.Sprintf("/releases/v%d.%d/pkg-%d.tar.gz", i/50, i%50, i), "application/gzip", logNormal(rng, 8_000_000, 1.2)
		}
	}
	return objs
}

// logNormal draws a size around median with spread sigma, at least 64 bytes.
func logNormal(rng *rand.Rand, median, sigma float64) uint64 {
	v := median * math.Exp(sigma*rng.NormFloat64())
	if v < 64 {
		v = 64
	}
	return uint64(v)
}
