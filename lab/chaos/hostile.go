package chaos

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/edgelog/edgelog/lab/gen"
)

// class is a kind of hostile line. Its outcome is what the collector
// promises for it (collector/adversarial_test.go states each): kept (billed
// to the line's customer, or to the default customer when the host itself is
// broken), rejected into the dead letters, or either (a fuzz corpus line:
// the parser decides, and the accounting counts what it decided).
type class struct {
	name    string
	outcome int // keep, keepDefault, reject, either
	rare    bool
	// make returns the line (no newline) from a generated event; it may
	// change the event (the kept classes' lines are billed by it).
	make func(h *hostile, e *gen.Event, f gen.Formatter) []byte
}

const (
	keep = iota
	keepDefault
	reject
	either
)

// hostile draws hostile lines.
type hostile struct {
	rng     *rand.Rand
	corpus  [][]byte // fuzz corpus lines of the collector's parsers
	garbage [][]byte // 4 KiB of random bytes each, no newline
	noise   []byte   // 1 MB of random bytes, no newline, quote or backslash
	classes []class
	next    int // the first draws go through every class once
}

func newHostile(seed uint64, corpusRoot string) (*hostile, error) {
	h := &hostile{rng: rand.New(rand.NewPCG(seed, 7))} // #nosec G404 -- reproducible test input, not a secret
	var err error
	if h.corpus, err = fuzzCorpus(corpusRoot); err != nil {
		return nil, err
	}
	for range 16 {
		g := make([]byte, 4<<10)
		for i := range g {
			if g[i] = byte(h.rng.IntN(256)); g[i] == '\n' { // #nosec G115 -- IntN(256) fits a byte
				g[i] = 0
			}
		}
		h.garbage = append(h.garbage, g)
	}
	h.noise = make([]byte, 1_040_000)
	for i := range h.noise {
		for h.noise[i] = byte(h.rng.IntN(256)); h.noise[i] == '\n' || h.noise[i] == '"' || h.noise[i] == '\\'; h.noise[i] = byte(h.rng.IntN(256)) { // #nosec G115 -- IntN(256) fits a byte
		}
	}
	line := func(e *gen.Event, f gen.Formatter) []byte { return f.AppendLine(nil, e) }
	h.classes = []class{
		{"fuzz_corpus", either, false, func(h *hostile, _ *gen.Event, _ gen.Formatter) []byte {
			return h.corpus[h.rng.IntN(len(h.corpus))]
		}},
		{"invalid_utf8_user_agent", keep, false, func(_ *hostile, e *gen.Event, f gen.Formatter) []byte {
			e.UserAgent = "curl/\xc3\x28 \xff\xfe"
			return line(e, f)
		}},
		{"nul_in_path", keep, false, func(_ *hostile, e *gen.Event, f gen.Formatter) []byte {
			e.Path += "\x00x"
			return line(e, f)
		}},
		{"invalid_utf8_host", keepDefault, false, func(_ *hostile, e *gen.Event, f gen.Formatter) []byte {
			e.Host = "www.\xff\xfe.example"
			return line(e, f)
		}},
		{"crlf", keep, false, func(_ *hostile, e *gen.Event, f gen.Formatter) []byte { return append(line(e, f), '\r') }},
		{"nuls", reject, false, func(*hostile, *gen.Event, gen.Formatter) []byte { return []byte("\x00\x00\x00\x00") }},
		{"binary_garbage", reject, false, func(h *hostile, _ *gen.Event, _ gen.Formatter) []byte {
			return h.garbage[h.rng.IntN(len(h.garbage))]
		}},
		{"truncated", reject, false, func(_ *hostile, e *gen.Event, f gen.Formatter) []byte { return line(e, f)[:40] }},
		{"spaces", reject, false, func(*hostile, *gen.Event, gen.Formatter) []byte { return []byte(strings.Repeat(" ", 1000)) }},
		{"empty", reject, false, func(*hostile, *gen.Event, gen.Formatter) []byte { return nil }},
		{"line_1_5mb", reject, true, func(_ *hostile, e *gen.Event, f gen.Formatter) []byte {
			return append(line(e, f), strings.Repeat("A", 1536<<10)...)
		}},
		{"user_agent_1mb_noise", reject, true, func(h *hostile, e *gen.Event, f gen.Formatter) []byte {
			e.UserAgent = string(h.noise)
			return line(e, f)
		}},
		{"user_agent_1mb_letter", keep, true, func(_ *hostile, e *gen.Event, f gen.Formatter) []byte {
			e.UserAgent = strings.Repeat("B", 1_000_000)
			return line(e, f)
		}},
		{"path_900kb", keep, true, func(_ *hostile, e *gen.Event, f gen.Formatter) []byte {
			e.Path = "/" + strings.Repeat("p", 900_000) + "/"
			return line(e, f)
		}},
	}
	return h, nil
}

// draw picks a class: every class once first, then the common ones at
// random and a rare (megabyte) one once in 2,000 hostile lines.
func (h *hostile) draw() *class {
	if h.next < len(h.classes) {
		h.next++
		return &h.classes[h.next-1]
	}
	var common, rare []int
	for i, c := range h.classes {
		if c.rare {
			rare = append(rare, i)
		} else {
			common = append(common, i)
		}
	}
	if h.rng.IntN(2000) == 0 {
		return &h.classes[rare[h.rng.IntN(len(rare))]]
	}
	return &h.classes[common[h.rng.IntN(len(common))]]
}

// repoRoot is this repository's root (the corpora are read from the source
// tree, as `make` runs the scenario from it).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// fuzzCorpus reads the lines of every fuzz corpus entry of the collector's
// parsers (collector/**/testdata/fuzz/*/*): each string or []byte value of
// a `go test fuzz v1` file, split at newlines.
func fuzzCorpus(root string) ([][]byte, error) {
	files, err := filepath.Glob(filepath.Join(root, "collector", "*", "*", "testdata", "fuzz", "*", "*"))
	if err != nil {
		return nil, err
	}
	more, _ := filepath.Glob(filepath.Join(root, "collector", "*", "testdata", "fuzz", "*", "*"))
	top, _ := filepath.Glob(filepath.Join(root, "collector", "testdata", "fuzz", "*", "*"))
	files = append(append(files, more...), top...)
	var lines [][]byte
	for _, path := range files {
		f, err := os.Open(path) // #nosec G304 -- this repository's fuzz corpus
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			t := sc.Text()
			var q string
			switch {
			case strings.HasPrefix(t, "string(") && strings.HasSuffix(t, ")"):
				q = t[len("string(") : len(t)-1]
			case strings.HasPrefix(t, "[]byte(") && strings.HasSuffix(t, ")"):
				q = t[len("[]byte(") : len(t)-1]
			default:
				continue
			}
			s, err := strconv.Unquote(q)
			if err != nil {
				continue
			}
			for _, l := range strings.Split(s, "\n") {
				lines = append(lines, []byte(l))
			}
		}
		f.Close() // #nosec G104 -- read-only
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", path, err)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("no fuzz corpus under %s/collector", root)
	}
	return lines, nil
}
