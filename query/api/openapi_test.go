package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/edgelog/edgelog/query/api"
)

// types are the package's answer types by the name of their schema in
// openapi.yaml (components/schemas), which is the Go type's name.
var types = []any{
	api.Error{}, api.Customers{},
	api.Point{}, api.Series{}, api.CustomerTotal{}, api.Summary{},
	api.BreakdownRow{}, api.Breakdown{}, api.TopRow{}, api.Top{},
	api.SlowPlace{}, api.Slowest{}, api.PerfRow{}, api.PerfBreakdown{}, api.PerfPoint{}, api.PerfSeries{},
	api.RequestRow{}, api.Requests{},
	api.Overview{}, api.FieldFallback{}, api.Live{}, api.BillLine{}, api.Bill{}, api.Bills{},
}

// answers are the JSON answer of every GET route (200), by path.
var answers = map[string]any{
	"/api/v1/customers":          api.Customers{},
	"/api/v1/traffic/timeseries": api.Series{},
	"/api/v1/traffic/summary":    api.Summary{},
	"/api/v1/traffic/breakdown":  api.Breakdown{},
	"/api/v1/traffic/top":        api.Top{},
	"/api/v1/perf/breakdown":     api.PerfBreakdown{},
	"/api/v1/perf/timeseries":    api.PerfSeries{},
	"/api/v1/perf/slowest":       api.Slowest{},
	"/api/v1/ops/overview":       api.Overview{},
	"/api/v1/requests":           api.Requests{},
	"/api/v1/ops/live":           api.Live{},
	"/api/v1/billing/bill":       api.Bill{},
	"/api/v1/billing/bills":      api.Bills{},
}

// schema is the part of an OpenAPI schema object the test compares.
type schema struct {
	Ref                  string             `yaml:"$ref"`
	Type                 string             `yaml:"type"`
	Format               string             `yaml:"format"`
	Properties           map[string]*schema `yaml:"properties"`
	Items                *schema            `yaml:"items"`
	AdditionalProperties *additional        `yaml:"additionalProperties"`
	Required             []string           `yaml:"required"`
}

// additional is an additionalProperties value: false (no field beyond
// the listed ones) or the schema of a map's values.
type additional struct {
	Forbidden bool
	Schema    *schema
}

func (a *additional) UnmarshalYAML(n *yaml.Node) error {
	var b bool
	if n.Decode(&b) == nil {
		a.Forbidden = !b
		return nil
	}
	return n.Decode(&a.Schema)
}

type document struct {
	Components struct {
		Schemas map[string]*schema `yaml:"schemas"`
	} `yaml:"components"`
	Paths map[string]map[string]struct {
		Responses map[string]struct {
			Ref     string `yaml:"$ref"`
			Content map[string]struct {
				Schema *schema `yaml:"schema"`
			} `yaml:"content"`
		} `yaml:"responses"`
	} `yaml:"paths"`
}

const refPrefix = "#/components/schemas/"

func readDocument(t *testing.T) document {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(api.OpenAPI, &root); err != nil {
		t.Fatalf("openapi.yaml is not YAML: %v", err)
	}
	// An empty value is always a slip here, typically a comma inside an
	// unquoted flow-mapping value that split it into a key of its own.
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if v := n.Content[i+1]; v.Tag == "!!null" {
					t.Errorf("openapi.yaml line %d: %q has no value", n.Content[i].Line, n.Content[i].Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	var doc document
	if err := root.Decode(&doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return doc
}

// TestOpenAPIMatchesTypes checks that every answer type has a schema of
// its name whose properties are its JSON fields with matching types, and
// that every route's 200 answer refers to the schema of the type the
// server encodes.
func TestOpenAPIMatchesTypes(t *testing.T) {
	doc := readDocument(t)
	for _, v := range types {
		typ := reflect.TypeOf(v)
		s, ok := doc.Components.Schemas[typ.Name()]
		if !ok {
			t.Errorf("openapi.yaml has no schema %s", typ.Name())
			continue
		}
		checkObject(t, typ.Name(), typ, s)
	}
	for name := range doc.Components.Schemas {
		if !slices.ContainsFunc(types, func(v any) bool { return reflect.TypeOf(v).Name() == name }) {
			t.Errorf("openapi.yaml's schema %s is no type of package api", name)
		}
	}
	for path, methods := range doc.Paths {
		want, isJSON := answers[path]
		ok := methods["get"].Responses["200"]
		got := ok.Content["application/json"].Schema
		switch {
		case !isJSON && got != nil:
			t.Errorf("GET %s: openapi.yaml says it answers JSON; add its type to answers", path)
		case !isJSON:
		case got == nil:
			t.Errorf("GET %s: openapi.yaml describes no JSON answer", path)
		case got.Ref != refPrefix+reflect.TypeOf(want).Name():
			t.Errorf("GET %s answers %q, want %s%s", path, got.Ref, refPrefix, reflect.TypeOf(want).Name())
		}
	}
	for path := range answers {
		if _, ok := doc.Paths[path]; !ok {
			t.Errorf("openapi.yaml has no path %s", path)
		}
	}
}

// checkObject compares a struct's JSON fields with an object schema.
func checkObject(t *testing.T, where string, typ reflect.Type, s *schema) {
	t.Helper()
	if s.Type != "object" {
		t.Errorf("%s: type %q, want object", where, s.Type)
	}
	// The contract test (query/contract_test.go) fails on a field the
	// document does not list only where the schema forbids others.
	if s.AdditionalProperties == nil || !s.AdditionalProperties.Forbidden {
		t.Errorf("%s: want additionalProperties: false", where)
	}
	fields := map[string]reflect.Type{}
	var required []string
	for f := range typ.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "" && name != "-" && opts != "omitempty" {
			required = append(required, name)
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			t.Errorf("%s.%s has no json name", typ.Name(), f.Name)
			continue
		}
		fields[name] = f.Type
	}
	for name, ft := range fields {
		p, ok := s.Properties[name]
		if !ok {
			t.Errorf("%s: %s is in the JSON but not in openapi.yaml", where, name)
			continue
		}
		checkValue(t, where+"."+name, ft, p)
	}
	for name := range s.Properties {
		if _, ok := fields[name]; !ok {
			t.Errorf("%s: %s is in openapi.yaml but not in the JSON", where, name)
		}
	}
	// A field without omitempty is always in the JSON: required.
	if !slices.Equal(s.Required, required) {
		t.Errorf("%s: required %v, want %v (the fields without omitempty, in order)", where, s.Required, required)
	}
}

var timeType = reflect.TypeFor[time.Time]()

// checkValue compares one JSON value's Go type with its schema: a nested
// struct must refer to the schema of its own name (checked on its own).
func checkValue(t *testing.T, where string, typ reflect.Type, s *schema) {
	t.Helper()
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want, format := "", ""
	switch {
	case typ == timeType:
		want, format = "string", "date-time"
	case typ.Kind() == reflect.Struct:
		if s.Ref != refPrefix+typ.Name() {
			t.Errorf("%s: %q, want a $ref to %s%s", where, s.Ref, refPrefix, typ.Name())
		}
		return
	case typ.Kind() == reflect.String:
		want = "string"
	case typ.Kind() == reflect.Bool:
		want = "boolean"
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
		want = "integer"
	case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
		want = "number"
	case typ.Kind() == reflect.Slice:
		if s.Type != "array" || s.Items == nil {
			t.Errorf("%s: type %q, want array with items", where, s.Type)
			return
		}
		checkValue(t, where+"[]", typ.Elem(), s.Items)
		return
	case typ.Kind() == reflect.Map && typ.Key().Kind() == reflect.String:
		if s.Type != "object" || s.AdditionalProperties == nil || s.AdditionalProperties.Schema == nil {
			t.Errorf("%s: type %q, want object with additionalProperties", where, s.Type)
			return
		}
		checkValue(t, where+"{}", typ.Elem(), s.AdditionalProperties.Schema)
		return
	default:
		t.Errorf("%s: no JSON schema type for Go %s", where, typ)
		return
	}
	if s.Type != want || s.Format != format {
		t.Errorf("%s: type %q format %q, want %q %q (Go %s)", where, s.Type, s.Format, want, format, typ)
	}
}

// TestEveryTypeChecked lists the package's exported struct types from its
// source, so that a new answer type cannot miss the comparison above.
func TestEveryTypeChecked(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var declared []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok && ts.Name.IsExported() {
				if _, ok := ts.Type.(*ast.StructType); ok {
					declared = append(declared, ts.Name.Name)
				}
			}
			return true
		})
	}
	if len(declared) == 0 {
		t.Fatal("no types found")
	}
	for _, name := range declared {
		if !slices.ContainsFunc(types, func(v any) bool { return reflect.TypeOf(v).Name() == name }) {
			t.Errorf("api.%s is not in the test's types: add it and its schema to openapi.yaml", name)
		}
	}
}

// TestStandardLibraryOnly keeps the package free of the ClickHouse driver
// (and of anything else): the plugin and other clients import it.
func TestStandardLibraryOnly(t *testing.T) {
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command: %v", err)
		}
	}
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Equal(deps, []string{"github.com/edgelog/edgelog/query/api"}) {
		t.Errorf("query/api depends on %v, want the standard library only", deps)
	}
}
