// Package waves plans a staged rollout of a DaemonSet under the OnDelete update strategy: which
// counted nodes belong to which wave, and, as the nodes' verdicts change, which old pods of the
// current wave to delete now so that the controller replaces them, when the wave is covered, and
// when its bake is over or failed. It does no I/O: the caller deletes the pods it names.
package waves

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// Wave selects nodes: those matching Selector (nil: any node), and of those, when Percent or Count
// is set, that share (rounded up) or that many of the counted nodes no earlier wave took. A wave
// with neither takes every node left that matches.
type Wave struct {
	Selector labels.Selector
	Percent  int
	Count    int
	// Bake is how long the wave must stay covered, once covered, before the next one starts.
	Bake time.Duration
}

// describe says which nodes the wave selects, for messages: "pool=canary, 25%".
func (w Wave) describe() string {
	var parts []string
	if w.Selector != nil && !w.Selector.Empty() {
		parts = append(parts, w.Selector.String())
	}
	switch {
	case w.Percent > 0:
		parts = append(parts, fmt.Sprintf("%d%%", w.Percent))
	case w.Count > 0:
		parts = append(parts, fmt.Sprintf("%d node(s)", w.Count))
	}
	if len(parts) == 0 {
		return "the rest"
	}
	return strings.Join(parts, ", ")
}

// Assign puts each counted node in a wave, in order: first those matching its selector, then a
// percent or a count of them, taken in an order of the names' hashes that stays the same from one
// apply to the next, so that a resumed rollout picks the same nodes. Nodes no wave took go to the
// last one: every counted node is updated by the end.
func Assign(waves []Wave, nodes []*corev1.Node, counted map[string]bool) map[string]int {
	left := make([]*corev1.Node, 0, len(counted))
	for _, n := range nodes {
		if counted[n.Name] {
			left = append(left, n)
		}
	}
	slices.SortFunc(left, func(a, b *corev1.Node) int {
		if ha, hb := nameHash(a.Name), nameHash(b.Name); ha != hb {
			if ha < hb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	assigned := make(map[string]int, len(left))
	for i, w := range waves {
		var matching, rest []*corev1.Node
		for _, n := range left {
			if w.Selector == nil || w.Selector.Matches(labels.Set(n.Labels)) {
				matching = append(matching, n)
			} else {
				rest = append(rest, n)
			}
		}
		take := len(matching)
		switch {
		case w.Percent > 0:
			take = min(take, (len(left)*w.Percent+99)/100)
		case w.Count > 0:
			take = min(take, w.Count)
		}
		for _, n := range matching[:take] {
			assigned[n.Name] = i
		}
		left = append(rest, matching[take:]...)
	}
	for _, n := range left {
		assigned[n.Name] = len(waves) - 1
	}
	return assigned
}

func nameHash(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// State is where one wave stands.
type State string

const (
	Pending  State = "pending"  // an earlier wave is not done
	Updating State = "updating" // its old pods are being replaced
	Baking   State = "baking"   // covered, staying so for its bake
	Done     State = "done"     // covered and baked
	Failed   State = "failed"   // a pod failed during the bake
)

// Progress is one wave's figures, for logs and the coverage attribute.
type Progress struct {
	Nodes, Covered int
	State          State
}

// Rollout is the progress of one staged rollout, fed the nodes' verdicts by Step.
type Rollout struct {
	Waves []Wave
	// MaxUnavailable bounds, within a wave, the counted nodes without a ready pod at once: an
	// integer or a percent of the wave's nodes (rounded down, at least 1).
	MaxUnavailable intstr.IntOrString

	assigned map[string]int
	current  int
	// startedCurrent holds the nodes of each wave already on the new revision when the rollout
	// began: a wave all of whose nodes were is not baked again (a resumed rollout).
	startedCurrent map[int]bool
	bakeStart      time.Time
	// baked holds, during a bake, the pod that covered each node of the wave when it began.
	baked  map[string]bakedPod
	failed *BakeFailure
}

type bakedPod struct {
	name     string
	restarts int32
}

// BakeFailure is a wave that lost coverage during its bake.
type BakeFailure struct {
	Wave, Of    int
	Description string
	Nodes       []coverage.NodeReport
}

func (f *BakeFailure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wave %d of %d (%s) failed during its bake: %d node(s) lost coverage:", f.Wave+1, f.Of, f.Description, len(f.Nodes))
	for _, n := range f.Nodes {
		fmt.Fprintf(&b, "\n  - %s: %s", n.Name, why(n))
	}
	return b.String()
}

func why(n coverage.NodeReport) string {
	switch {
	case n.Reason == "":
		return n.Message
	case n.Message != "":
		return string(n.Reason) + ": " + n.Message
	}
	return string(n.Reason)
}

// Step is what to do now.
type Step struct {
	// Delete are the old-revision pods to delete now, by node.
	Delete []coverage.NodeReport
	// Done is set when every wave is covered and baked.
	Done bool
	// WakeAt asks to be stepped again then, when no change comes first (zero: no need).
	WakeAt time.Time
	// Err is set when a wave failed its bake.
	Err error
}

// Step takes the latest report and the nodes and says what to do. Nodes that were not counted
// when the rollout began and are now go to the current wave.
func (r *Rollout) Step(report coverage.Report, nodes []*corev1.Node, now time.Time) Step {
	if r.failed != nil {
		return Step{Err: r.failed}
	}
	byName, counted := verdicts(report)
	if r.assigned == nil {
		r.assigned = Assign(r.Waves, nodes, counted)
		r.startedCurrent = map[int]bool{}
		for i := range r.Waves {
			r.startedCurrent[i] = r.waveCurrent(i, byName)
		}
	}
	for name := range counted {
		if _, ok := r.assigned[name]; !ok {
			r.assigned[name] = r.current
		}
	}
	for r.current < len(r.Waves) {
		if r.baked == nil && !r.waveCurrent(r.current, byName) {
			return Step{Delete: r.toDelete(byName)}
		}
		bake := r.Waves[r.current].Bake
		if bake <= 0 || r.startedCurrent[r.current] {
			r.next()
			continue
		}
		if r.baked == nil {
			r.bakeStart, r.baked = now, map[string]bakedPod{}
			for name, n := range byName {
				if r.in(name, r.current) {
					r.baked[name] = bakedPod{name: n.Pod, restarts: n.Restarts}
				}
			}
		}
		// Once covered, the wave must stay so: a node lost during the bake fails it.
		if lost := r.lost(byName); len(lost) > 0 {
			r.failed = &BakeFailure{Wave: r.current, Of: len(r.Waves), Description: r.Waves[r.current].describe(), Nodes: lost}
			return Step{Err: r.failed}
		}
		if end := r.bakeStart.Add(bake); now.Before(end) {
			return Step{WakeAt: end}
		}
		r.next()
	}
	return Step{Done: true}
}

func (r *Rollout) next() {
	r.current++
	r.bakeStart, r.baked = time.Time{}, nil
}

func (r *Rollout) in(name string, wave int) bool {
	w, ok := r.assigned[name]
	return ok && w == wave
}

// waveCurrent reports whether every counted node of the wave runs a ready pod of the current
// revision.
func (r *Rollout) waveCurrent(wave int, byName map[string]coverage.NodeReport) bool {
	for name, n := range byName {
		if n.Counted && r.in(name, wave) && (!n.Covered || !n.CurrentRevision) {
			return false
		}
	}
	return true
}

// lost are the wave's nodes that, during the bake, stopped being covered, changed pods or saw a
// container restart.
func (r *Rollout) lost(byName map[string]coverage.NodeReport) []coverage.NodeReport {
	var lost []coverage.NodeReport
	for name, pod := range r.baked {
		n, ok := byName[name]
		if !ok || !n.Counted {
			continue // the node went away or is not Ready: not the pod's doing
		}
		switch {
		case !n.Covered:
		case n.Pod != pod.name:
			n.Message = fmt.Sprintf("pod %s was replaced by %s during the bake", pod.name, n.Pod)
		case n.Restarts > pod.restarts:
			n.Message = fmt.Sprintf("pod %s restarted %d time(s) during the bake", n.Pod, n.Restarts-pod.restarts)
		default:
			continue
		}
		lost = append(lost, n)
	}
	slices.SortFunc(lost, func(a, b coverage.NodeReport) int { return strings.Compare(a.Name, b.Name) })
	return lost
}

// toDelete picks the old-revision pods of the current wave to delete now: those not covering
// first (deleting them costs no coverage), then as many covering ones as MaxUnavailable leaves
// room for, counting the wave's counted nodes that have no ready pod now.
func (r *Rollout) toDelete(byName map[string]coverage.NodeReport) []coverage.NodeReport {
	size, unavailable := 0, 0
	var idle, covering []coverage.NodeReport
	for name, n := range byName {
		if !n.Counted || !r.in(name, r.current) {
			continue
		}
		size++
		if !n.Covered {
			unavailable++
		}
		if n.Pod == "" || n.CurrentRevision || n.Reason == coverage.ReasonTerminating {
			continue
		}
		if n.Covered {
			covering = append(covering, n)
		} else {
			idle = append(idle, n)
		}
	}
	byNodeName := func(a, b coverage.NodeReport) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(idle, byNodeName)
	slices.SortFunc(covering, byNodeName)
	budget := r.maxUnavailable(size) - unavailable
	if budget < 0 {
		budget = 0
	}
	return append(idle, covering[:min(budget, len(covering))]...)
}

func (r *Rollout) maxUnavailable(size int) int {
	n, err := intstr.GetScaledValueFromIntOrPercent(&r.MaxUnavailable, size, false)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// Progress is each wave's figures now.
func (r *Rollout) Progress(report coverage.Report) []Progress {
	out := make([]Progress, len(r.Waves))
	for i := range out {
		switch {
		case r.failed != nil && i == r.failed.Wave:
			out[i].State = Failed
		case i < r.current:
			out[i].State = Done
		case i > r.current:
			out[i].State = Pending
		case r.baked != nil:
			out[i].State = Baking
		default:
			out[i].State = Updating
		}
	}
	for _, n := range report.Nodes {
		w, ok := r.assigned[n.Name]
		if !ok || !n.Counted {
			continue
		}
		out[w].Nodes++
		if n.Covered && n.CurrentRevision {
			out[w].Covered++
		}
	}
	return out
}

// WaveOf is the wave a node belongs to, if any.
func (r *Rollout) WaveOf(node string) (int, bool) {
	w, ok := r.assigned[node]
	return w, ok
}

// Halted describes, for the error of a rollout that did not finish, the wave it stopped in.
func (r *Rollout) Halted() string {
	if r.current >= len(r.Waves) {
		return ""
	}
	return fmt.Sprintf("wave %d of %d (%s)", r.current+1, len(r.Waves), r.Waves[r.current].describe())
}

// Summarize is where each wave stands from the nodes' verdicts alone, for a read outside an
// apply: the waves before the first one not wholly on the current revision are done, that one is
// updating, the later ones pending. It also gives each counted node's wave.
func Summarize(ws []Wave, report coverage.Report, nodes []*corev1.Node) (map[string]int, []Progress) {
	r := &Rollout{Waves: ws}
	byName, counted := verdicts(report)
	r.assigned = Assign(ws, nodes, counted)
	for r.current < len(ws) && r.waveCurrent(r.current, byName) {
		r.current++
	}
	return r.assigned, r.Progress(report)
}

// verdicts indexes the report's nodes by name, and names the counted ones.
func verdicts(report coverage.Report) (map[string]coverage.NodeReport, map[string]bool) {
	byName := make(map[string]coverage.NodeReport, len(report.Nodes))
	counted := map[string]bool{}
	for _, n := range report.Nodes {
		byName[n.Name] = n
		if n.Counted {
			counted[n.Name] = true
		}
	}
	return byName, counted
}
