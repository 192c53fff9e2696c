package coverage

import "testing"

// summaryReport has 7 counted nodes of which 2 are covered, and 3 eligible nodes that are not Ready.
func summaryReport(mods ...func(*Report)) Report {
	uncovered := func(name, pod string, reason Reason, message string) NodeReport {
		return NodeReport{Name: name, Eligible: true, NodeReady: true, Counted: true, Pod: pod, Reason: reason, Message: message}
	}
	covered := func(name string) NodeReport {
		return NodeReport{Name: name, Eligible: true, NodeReady: true, Counted: true, Covered: true, Pod: "agent-" + name}
	}
	notReady := func(name string) NodeReport {
		return NodeReport{Name: name, Eligible: true, Reason: ReasonNodeNotReady, Message: "node Ready=Unknown"}
	}
	r := Report{
		Revision: currentRevision, GenerationObserved: true,
		NodesTotal: 11, Eligible: 10, Counted: 7, Covered: 2,
		Uncovered: []string{"node-a", "node-b", "node-c", "node-d", "node-e"},
		NotReady:  []string{"node-x", "node-y", "node-z"},
		Nodes: []NodeReport{
			uncovered("node-a", "", ReasonPodMissing, "no pod of the DaemonSet on the node"),
			uncovered("node-b", "agent-b", ReasonImagePull, `container agent: ImagePullBackOff: Back-off pulling image "agent:2"`),
			uncovered("node-c", "", ReasonPodMissing, "no pod of the DaemonSet on the node"),
			uncovered("node-d", "agent-d", ReasonImagePull, `container agent: ErrImagePull: pull access denied`),
			uncovered("node-e", "", ReasonPodMissing, "no pod of the DaemonSet on the node"),
			covered("node-f"),
			covered("node-g"),
			{Name: "node-h", NodeReady: true, Reason: ReasonNodeSelector, Message: "nodeSelector not matched"},
			notReady("node-x"),
			notReady("node-y"),
			notReady("node-z"),
		},
	}
	for _, mod := range mods {
		mod(&r)
	}
	return r
}

// completeReport has every counted node covered.
func completeReport(r *Report) {
	r.Nodes = r.Nodes[5:7]
	r.Counted, r.Covered, r.Eligible, r.NodesTotal = 2, 2, 2, 2
	r.Uncovered, r.NotReady = nil, nil
	r.Complete = true
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name   string
		report Report
		limit  int
		want   string
	}{
		{name: "truncated", report: summaryReport(), limit: 2, want: `covered 2 of 7 counted nodes
  node-a: pod_missing: no pod of the DaemonSet on the node
  node-b (pod agent-b): image_pull: container agent: ImagePullBackOff: Back-off pulling image "agent:2"
  and 3 more: 2 pod_missing, 1 image_pull
3 eligible nodes are not Ready and not counted: node-x, node-y and 1 more`},
		{name: "equal counts ordered by reason", report: summaryReport(), limit: 1, want: `covered 2 of 7 counted nodes
  node-a: pod_missing: no pod of the DaemonSet on the node
  and 4 more: 2 image_pull, 2 pod_missing
3 eligible nodes are not Ready and not counted: node-x and 2 more`},
		{name: "everything fits", report: summaryReport(), limit: 5, want: `covered 2 of 7 counted nodes
  node-a: pod_missing: no pod of the DaemonSet on the node
  node-b (pod agent-b): image_pull: container agent: ImagePullBackOff: Back-off pulling image "agent:2"
  node-c: pod_missing: no pod of the DaemonSet on the node
  node-d (pod agent-d): image_pull: container agent: ErrImagePull: pull access denied
  node-e: pod_missing: no pod of the DaemonSet on the node
3 eligible nodes are not Ready and not counted: node-x, node-y and node-z`},
		{name: "no names", report: summaryReport(), limit: 0, want: `covered 2 of 7 counted nodes
5 uncovered: 3 pod_missing, 2 image_pull
3 eligible nodes are not Ready and not counted`},
		{name: "one node not Ready", report: summaryReport(func(r *Report) { r.Nodes = r.Nodes[:9]; r.NotReady = r.NotReady[:1] }), limit: 0,
			want: `covered 2 of 7 counted nodes
5 uncovered: 3 pod_missing, 2 image_pull
1 eligible node is not Ready and not counted`},
		{name: "complete", report: summaryReport(completeReport), limit: 3, want: `covered 2 of 2 counted nodes`},
		{name: "generation not observed, OnDelete", report: summaryReport(completeReport, func(r *Report) {
			r.GenerationObserved, r.OnDelete, r.Complete = false, true, false
		}), limit: 3, want: `covered 2 of 2 counted nodes
the DaemonSet controller has not yet observed the latest generation
update strategy OnDelete: pods of older revisions count as covered`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.report.Summary(tt.limit); got != tt.want {
				t.Errorf("Summary(%d) =\n%s\nwant\n%s", tt.limit, got, tt.want)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	tests := []struct {
		name   string
		report Report
		n      int
		want   string
	}{
		{name: "truncated", report: summaryReport(), n: 2,
			want: "2/7 nodes covered; waiting for node-a (pod_missing), node-b (image_pull) and 3 more; 3 eligible nodes not Ready"},
		{name: "all names", report: summaryReport(), n: 5,
			want: "2/7 nodes covered; waiting for node-a (pod_missing), node-b (image_pull), node-c (pod_missing), node-d (image_pull) and node-e (pod_missing); 3 eligible nodes not Ready"},
		{name: "no names", report: summaryReport(), n: 0,
			want: "2/7 nodes covered; waiting for 5 nodes; 3 eligible nodes not Ready"},
		{name: "one name", report: summaryReport(func(r *Report) { r.Nodes = r.Nodes[:1]; r.Uncovered = r.Uncovered[:1]; r.NotReady = nil }), n: 3,
			want: "2/7 nodes covered; waiting for node-a (pod_missing)"},
		{name: "complete", report: summaryReport(completeReport), n: 3, want: "2/2 nodes covered"},
		{name: "covered but generation not observed", report: summaryReport(completeReport, func(r *Report) { r.GenerationObserved = false }), n: 3,
			want: "2/2 nodes covered; the controller has not yet observed the latest generation"},
		{name: "generation not observed and nodes uncovered", report: summaryReport(func(r *Report) { r.GenerationObserved = false; r.NotReady = nil }), n: 1,
			want: "2/7 nodes covered; the controller has not yet observed the latest generation; waiting for node-a (pod_missing) and 4 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.report.Progress(tt.n); got != tt.want {
				t.Errorf("Progress(%d) =\n%s\nwant\n%s", tt.n, got, tt.want)
			}
		})
	}
}
