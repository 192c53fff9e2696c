// Package coverage decides, node by node, whether a DaemonSet runs where it should: which nodes are
// eligible (the DaemonSet controller would place a pod there), counted (eligible and Ready) and
// covered (running a ready pod of the current revision). It does no I/O: callers hand it the objects.
package coverage

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Reason is one word of the closed vocabulary that says why a node is not eligible, not counted or
// not covered. The words are part of the provider's documented interface: do not rename them.
type Reason string

const (
	// Why a node is not eligible.
	ReasonNodeName         Reason = "node_name"         // the template pins another node by spec.nodeName
	ReasonNodeSelector     Reason = "node_selector"     // the node's labels do not match spec.nodeSelector
	ReasonNodeAffinity     Reason = "node_affinity"     // required node affinity does not match
	ReasonUntoleratedTaint Reason = "untolerated_taint" // a NoSchedule/NoExecute taint the pod does not tolerate

	// Why an eligible node is not counted.
	ReasonNodeNotReady Reason = "node_not_ready"

	// Why a counted node is not covered.
	ReasonPodMissing        Reason = "pod_missing"         // no pod of this DaemonSet on the node
	ReasonUnschedulable     Reason = "unschedulable"       // the pod exists but the scheduler cannot bind it
	ReasonPodPending        Reason = "pod_pending"         // bound, containers not started yet
	ReasonImagePull         Reason = "image_pull"          // ErrImagePull, ImagePullBackOff, InvalidImageName
	ReasonCrashLoop         Reason = "crash_loop"          // CrashLoopBackOff or restarting containers
	ReasonContainerNotReady Reason = "container_not_ready" // running, readiness not reached
	ReasonPodFailed         Reason = "pod_failed"          // phase Failed or Succeeded
	ReasonMinReadySeconds   Reason = "min_ready_seconds"   // ready, but not yet for minReadySeconds
	ReasonOldRevision       Reason = "old_revision"        // the pod runs an older revision of the template
	ReasonAdoptedPod        Reason = "adopted_pod"         // the pod's revision is none of this DaemonSet's: adopted from another one
	ReasonTerminating       Reason = "terminating"         // the only pod on the node is being deleted
)

// State is what the API server says about one DaemonSet and the nodes it could run on.
type State struct {
	DaemonSet *appsv1.DaemonSet
	// Revisions are the ControllerRevisions owned by the DaemonSet; the newest one names the
	// current revision.
	Revisions []*appsv1.ControllerRevision
	// Pods are the pods matching the DaemonSet's selector; those it does not own are ignored.
	Pods  []*corev1.Pod
	Nodes []*corev1.Node
	// Events are the DaemonSet's FailedCreate events (others are ignored); they explain the nodes
	// that have no pod.
	Events []*corev1.Event
}

// Options tune how a report is computed.
type Options struct {
	// Now is the moment the report is computed for, used for minReadySeconds.
	Now time.Time
	// CountNotReadyNodes makes eligible nodes whose Ready condition is not True count as well
	// (wait_for_not_ready_nodes); by default they are only reported.
	CountNotReadyNodes bool
}

// NodeReport is the verdict for one node.
type NodeReport struct {
	Name      string
	Eligible  bool
	NodeReady bool
	Counted   bool
	Covered   bool
	// Pod is the DaemonSet's pod on the node that the verdict is about (empty when none).
	Pod      string
	PodPhase string
	PodReady bool
	// Restarts is the sum of the pod's containers' restart counts.
	Restarts        int32
	CurrentRevision bool
	// Reason says why the node is not eligible, not counted or not covered; empty when covered.
	Reason Reason
	// Message gives the detail: the untolerated taint, the container's waiting message, and so on.
	Message string

	// misscheduled is set when the node is not eligible but runs a pod of the DaemonSet that is not
	// being deleted.
	misscheduled bool
	// awaitingTaint is set when the node has no pod because it still has a not-ready taint.
	awaitingTaint bool
}

// Report is the verdict for one DaemonSet over all nodes.
type Report struct {
	// Revision is the controller-revision-hash of the DaemonSet's newest ControllerRevision.
	Revision string
	// GenerationObserved is true when the controller has seen the DaemonSet's current spec.
	GenerationObserved bool
	// OnDelete is true for the OnDelete update strategy, where pods of older revisions still cover.
	OnDelete bool

	NodesTotal   int
	Eligible     int
	Counted      int
	Covered      int
	Misscheduled int // nodes that run a pod of this DaemonSet but are not eligible

	// Complete is true when the generation is observed and every counted node is covered.
	Complete bool
	// Uncovered names the counted nodes that are not covered, sorted.
	Uncovered []string
	// NotReady names the eligible nodes that are not counted because they are not Ready, sorted.
	NotReady []string
	// Nodes holds one entry per node, sorted by name.
	Nodes []NodeReport
	// CreateFailure is why the controller cannot create pods of the current template, from its
	// latest FailedCreate event (nil when none); it is the message of every pod_missing node.
	CreateFailure *CreateFailure
}

// NotCovered is the nodes that want a look: the eligible nodes that are not covered (those not
// counted because they are not Ready included) and the nodes that run a pod of the DaemonSet though
// they are not eligible. A healthy DaemonSet has none, however many nodes it runs on.
func (r Report) NotCovered() []NodeReport {
	var nodes []NodeReport
	for _, n := range r.Nodes {
		if (n.Eligible && !n.Covered) || n.misscheduled {
			nodes = append(nodes, n)
		}
	}
	return nodes
}
