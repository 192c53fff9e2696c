package rollout

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// SharedNodes is one list of all nodes shared by the reads of a provider process: a plan over 20
// DaemonSets checks their eligibility and refreshes their coverage against one paged list instead
// of 20 (5,000 nodes are a few hundred megabytes of JSON, tens of megabytes slimmed). A list older
// than MaxAge is read again; concurrent callers wait for one list rather than making their own.
type SharedNodes struct {
	cs     kubernetes.Interface
	maxAge time.Duration

	mu     sync.Mutex
	nodes  []*corev1.Node
	listed time.Time
}

// NewSharedNodes shares the node lists of cs for maxAge.
func NewSharedNodes(cs kubernetes.Interface, maxAge time.Duration) *SharedNodes {
	return &SharedNodes{cs: cs, maxAge: maxAge}
}

// List returns the shared list, reading it first when there is none younger than the maximum age.
// The nodes are slimmed (see slim) and must not be changed. A failed list is not kept.
func (s *SharedNodes) List(ctx context.Context) ([]*corev1.Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nodes != nil && time.Since(s.listed) < s.maxAge {
		return s.nodes, nil
	}
	nodes, err := listNodes(ctx, s.cs)
	if err != nil {
		return nil, err
	}
	s.nodes, s.listed = nodes, time.Now()
	return nodes, nil
}

// listNodes reads all nodes, paged and slimmed.
func listNodes(ctx context.Context, cs kubernetes.Interface) ([]*corev1.Node, error) {
	return listAll(ctx, access{"list", "", "nodes", ""},
		metav1.ListOptions{}, cs.CoreV1().Nodes().List,
		func(l *corev1.NodeList) []corev1.Node { return l.Items })
}
