package coverage

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Summary renders the report for an error message: the coverage, then up to limit uncovered nodes with
// their pod, reason and message, the rest counted by reason, and the eligible nodes left out because
// they are not Ready.
func (r Report) Summary(limit int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "covered %d of %d counted nodes", r.Covered, r.Counted)
	if !r.GenerationObserved {
		b.WriteString("\nthe DaemonSet controller has not yet observed the latest generation")
	}
	if r.OnDelete {
		b.WriteString("\nupdate strategy OnDelete: pods of older revisions count as covered")
	}

	if r.CreateFailure != nil {
		b.WriteString("\nthe DaemonSet controller cannot create pods: " + r.CreateFailure.Message)
	}

	uncovered := r.uncoveredNodes()
	shown := min(max(0, limit), len(uncovered))
	for _, n := range uncovered[:shown] {
		b.WriteString("\n  " + n.Name)
		if n.Pod != "" {
			fmt.Fprintf(&b, " (pod %s)", n.Pod)
		}
		fmt.Fprintf(&b, ": %s", n.Reason)
		if n.Message != "" && (r.CreateFailure == nil || n.Reason != ReasonPodMissing) {
			b.WriteString(": " + n.Message)
		}
	}
	if rest := uncovered[shown:]; len(rest) > 0 {
		if shown > 0 {
			fmt.Fprintf(&b, "\n  and %d more: %s", len(rest), countByReason(rest))
		} else {
			fmt.Fprintf(&b, "\n%d uncovered: %s", len(rest), countByReason(rest))
		}
	}

	if len(r.NotReady) > 0 {
		fmt.Fprintf(&b, "\n%s not Ready and not counted", plural(len(r.NotReady), "eligible node is", "eligible nodes are"))
		if limit > 0 {
			b.WriteString(": " + listNames(r.NotReady, limit))
		}
	}
	return b.String()
}

// Progress renders the report as one line for progress logs, naming at most n uncovered nodes.
func (r Report) Progress(n int) string {
	line := fmt.Sprintf("%d/%d nodes covered", r.Covered, r.Counted)
	if !r.GenerationObserved {
		line += "; the controller has not yet observed the latest generation"
	}
	if uncovered := r.uncoveredNodes(); len(uncovered) > 0 {
		shown := min(max(0, n), len(uncovered))
		names := make([]string, 0, shown+1)
		for _, node := range uncovered[:shown] {
			names = append(names, fmt.Sprintf("%s (%s)", node.Name, node.Reason))
		}
		switch rest := len(uncovered) - shown; {
		case rest > 0 && shown == 0:
			names = append(names, plural(rest, "node", "nodes"))
		case rest > 0:
			names = append(names, fmt.Sprintf("%d more", rest))
		}
		line += "; waiting for " + joinList(names)
	}
	if len(r.NotReady) > 0 {
		line += fmt.Sprintf("; %s not Ready", plural(len(r.NotReady), "eligible node", "eligible nodes"))
	}
	return line
}

func (r Report) uncoveredNodes() []NodeReport {
	var uncovered []NodeReport
	for _, n := range r.Nodes {
		if n.Counted && !n.Covered {
			uncovered = append(uncovered, n)
		}
	}
	return uncovered
}

// countByReason renders "30 pod_missing, 7 image_pull", the most frequent reason first.
func countByReason(nodes []NodeReport) string {
	counts := map[Reason]int{}
	for _, n := range nodes {
		counts[n.Reason]++
	}
	reasons := make([]Reason, 0, len(counts))
	for reason := range counts {
		reasons = append(reasons, reason)
	}
	slices.SortFunc(reasons, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	parts := make([]string, 0, len(reasons))
	for _, reason := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", counts[reason], reason))
	}
	return strings.Join(parts, ", ")
}

// listNames renders at most limit names, then how many were left out.
func listNames(names []string, limit int) string {
	shown := min(limit, len(names))
	parts := slices.Clone(names[:shown])
	if rest := len(names) - shown; rest > 0 {
		parts = append(parts, fmt.Sprintf("%d more", rest))
	}
	return joinList(parts)
}

// joinList renders "a", "a and b", "a, b and c".
func joinList(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
