package billing

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// PriceBook is finance's price list (pricebook.yaml):
//
//	currency: USD
//	default_plan: standard
//	plans:
//	  standard:
//	    per_gb:                    # tiered per-GB prices by billing region
//	      "*":                     # any region without its own tiers
//	        - {up_to_gb: 10000, price: "0.085"}
//	        - {up_to_gb: 50000, price: "0.080"}
//	        - {price: "0.060"}     # the rest
//	      ap-south:
//	        - {price: "0.110"}
//	    per_10k_requests: "0.0075"
//	    per_mbps_p95: "0"          # 95th-percentile bandwidth, when sold that way
//	customers:                     # customer -> plan, when not the default
//	  acme: enterprise
//	billable_bytes: total          # total (default) or body
//
// billable_bytes says which bytes the per-GB and 95th-percentile lines
// price: total, every byte the edge wrote (headers and body: the log's
// total, nginx $bytes_sent, W3C sc-bytes, Apache %O, where it has one,
// else its body bytes; body bytes for rows before schema migration 10), or
// body, the response bodies only (nginx $body_bytes_sent, Apache %b).
//
// Prices are decimal strings and all arithmetic is exact (math/big.Rat):
// a bill is rounded once per line, to the cent, half away from zero.
type PriceBook struct {
	Currency    string            `yaml:"currency"`
	DefaultPlan string            `yaml:"default_plan"`
	Plans       map[string]Plan   `yaml:"plans"`
	Customers   map[string]string `yaml:"customers"`
	// BillableBytes is BillTotal (the default, "") or BillBody.
	BillableBytes string `yaml:"billable_bytes"`
}

// The bytes a bill may price (PriceBook.BillableBytes).
const (
	BillTotal = "total"
	BillBody  = "body"
)

// billable returns the bytes pb bills: its choice, BillTotal by default
// and without a price book.
func (pb *PriceBook) billable() string {
	if pb == nil || pb.BillableBytes == "" {
		return BillTotal
	}
	return pb.BillableBytes
}

// Plan prices one customer's usage.
type Plan struct {
	PerGB          map[string][]Tier `yaml:"per_gb"`
	Per10kRequests string            `yaml:"per_10k_requests"`
	PerMbpsP95     string            `yaml:"per_mbps_p95"`
}

// Tier prices the GB of a month from the previous tier's end up to UpToGB
// (0: no end).
type Tier struct {
	UpToGB uint64 `yaml:"up_to_gb"`
	Price  string `yaml:"price"`
}

// LoadPriceBook reads and checks a price book.
func LoadPriceBook(path string) (*PriceBook, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- path from the operator's command line
	if err != nil {
		return nil, fmt.Errorf("cannot read price book: %w", err)
	}
	var pb PriceBook
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&pb); err != nil {
		return nil, fmt.Errorf("cannot parse price book %s: %w", path, err)
	}
	if err := pb.Validate(); err != nil {
		return nil, fmt.Errorf("price book %s: %w", path, err)
	}
	return &pb, nil
}

// Validate checks every price parses, tiers ascend and end open, and every
// plan named exists.
func (pb *PriceBook) Validate() error {
	if pb.Currency == "" {
		return errors.New("currency is required")
	}
	if b := pb.BillableBytes; b != "" && b != BillTotal && b != BillBody {
		return fmt.Errorf("billable_bytes %q must be total or body", b)
	}
	if _, ok := pb.Plans[pb.DefaultPlan]; !ok {
		return fmt.Errorf("default_plan %q is not among the plans", pb.DefaultPlan)
	}
	for c, p := range pb.Customers {
		if _, ok := pb.Plans[p]; !ok {
			return fmt.Errorf("customer %s: plan %q is not among the plans", c, p)
		}
	}
	for name, p := range pb.Plans {
		if _, ok := p.PerGB["*"]; !ok {
			return fmt.Errorf("plan %s: per_gb needs a \"*\" entry for other regions", name)
		}
		for region, tiers := range p.PerGB {
			if len(tiers) == 0 || tiers[len(tiers)-1].UpToGB != 0 {
				return fmt.Errorf("plan %s region %s: the last tier must have no up_to_gb", name, region)
			}
			var prev uint64
			for i, t := range tiers {
				if _, err := price(t.Price); err != nil {
					return fmt.Errorf("plan %s region %s tier %d: %w", name, region, i+1, err)
				}
				if i < len(tiers)-1 && t.UpToGB <= prev {
					return fmt.Errorf("plan %s region %s: tiers must ascend", name, region)
				}
				prev = t.UpToGB
			}
		}
		for _, v := range []string{p.Per10kRequests, p.PerMbpsP95} {
			if _, err := price(v); err != nil {
				return fmt.Errorf("plan %s: %w", name, err)
			}
		}
	}
	return nil
}

// plan returns a customer's plan and its name.
func (pb *PriceBook) plan(customer string) (string, Plan) {
	name := pb.DefaultPlan
	if p, ok := pb.Customers[customer]; ok {
		name = p
	}
	return name, pb.Plans[name]
}

// tiers returns the GB tiers for a region.
func (p Plan) tiers(region string) []Tier {
	if t, ok := p.PerGB[region]; ok {
		return t
	}
	return p.PerGB["*"]
}

// price parses a decimal price; "" is zero.
func price(s string) (*big.Rat, error) {
	if s == "" {
		return new(big.Rat), nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() < 0 {
		return nil, fmt.Errorf("price %q is not a non-negative decimal", s)
	}
	return r, nil
}

// cents rounds an amount to the cent, half away from zero.
func cents(r *big.Rat) *big.Rat {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	n := new(big.Int).Quo(x.Num(), x.Denom())
	rem := new(big.Rat).Sub(x, new(big.Rat).SetInt(n))
	if rem.Cmp(big.NewRat(1, 2)) >= 0 {
		n.Add(n, big.NewInt(1))
	}
	return new(big.Rat).SetFrac(n, big.NewInt(100))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
