package daemonset

import (
	"strconv"
	"strings"
)

// Path is where in a DaemonSet a finding is, in the object's JSON field names: each resource maps
// it to its own attribute (spec.template.spec.volumes[0].hostPath.path is host_paths[0].path on a
// node agent).
type Path []Step

// Step is one step of a Path: a field name, a list index or a map key, by Kind.
type Step struct {
	Kind  StepKind
	Field string
	Index int
	Key   string
}

type StepKind int

const (
	FieldStep StepKind = iota
	IndexStep
	KeyStep
)

// NewPath starts a path at a top-level field.
func NewPath(field string) Path { return Path{{Kind: FieldStep, Field: field}} }

// The appending methods copy, so that paths built from one parent never share their steps.

func (p Path) Child(field string) Path { return p.with(Step{Kind: FieldStep, Field: field}) }
func (p Path) Index(i int) Path        { return p.with(Step{Kind: IndexStep, Index: i}) }
func (p Path) Key(key string) Path     { return p.with(Step{Kind: KeyStep, Key: key}) }

func (p Path) with(s Step) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, s)
}

// HasPrefix reports whether p is prefix or below it.
func (p Path) HasPrefix(prefix Path) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i, s := range prefix {
		if s != p[i] {
			return false
		}
	}
	return true
}

// String writes the path as the API server does: spec.template.spec.containers[0].image.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch s.Kind {
		case FieldStep:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Field)
		case IndexStep:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		case KeyStep:
			b.WriteString("[" + strconv.Quote(s.Key) + "]")
		}
	}
	return b.String()
}

// Finding is one rule a DaemonSet breaks. Involves names the other fields the rule reads, so that a
// resource can hold back a finding while one of them is not known yet.
type Finding struct {
	Path     Path
	Summary  string
	Detail   string
	Involves []Path
}

// Findings collects findings in the order the rules find them.
type Findings []Finding

func (f *Findings) add(at Path, summary, detail string, involves ...Path) {
	*f = append(*f, Finding{Path: at, Summary: summary, Detail: detail, Involves: involves})
}

// CutPrefix returns what follows prefix in p, and whether p begins with it.
func (p Path) CutPrefix(prefix Path) (Path, bool) {
	if !p.HasPrefix(prefix) {
		return nil, false
	}
	return p[len(prefix):], true
}
