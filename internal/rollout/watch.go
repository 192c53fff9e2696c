package rollout

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// watchedStore is a reflector's store: it keeps slimmed objects, notes the nodes whose verdict a
// change bears on, and signals every change on a channel of capacity one, so that a burst of events
// costs one recompute.
type watchedStore struct {
	cache.Indexer
	synced  atomic.Bool
	changed chan<- struct{}
	// nodesOf names the nodes an object bears on; nil when the store's objects bear on every node.
	nodesOf func(obj any) []string
	touched *touchedNodes
	// firstListed holds the resource version of each object the first list returned, by UID.
	firstListed atomic.Pointer[map[types.UID]string]
}

// Changes are noted after the store holds them: a recompute that takes the notes reads at least the
// state they describe.

func (s *watchedStore) Add(obj any) error {
	err := s.Indexer.Add(slim(obj))
	s.touch(obj)
	s.signal()
	return err
}

func (s *watchedStore) Update(obj any) error {
	old, existed, _ := s.Indexer.Get(obj)
	err := s.Indexer.Update(slim(obj))
	if existed {
		s.touch(old)
	}
	s.touch(obj)
	s.signal()
	return err
}

func (s *watchedStore) Delete(obj any) error {
	err := s.Indexer.Delete(obj)
	s.touch(obj)
	s.signal()
	return err
}

// Replace is called with the full list after every (re)list, the first one included.
func (s *watchedStore) Replace(list []any, resourceVersion string) error {
	for _, obj := range list {
		slim(obj)
	}
	if s.firstListed.Load() == nil {
		listed := make(map[types.UID]string, len(list))
		for _, obj := range list {
			if o, ok := obj.(metav1.Object); ok {
				listed[o.GetUID()] = o.GetResourceVersion()
			}
		}
		s.firstListed.Store(&listed)
	}
	err := s.Indexer.Replace(list, resourceVersion)
	if s.nodesOf != nil {
		s.touched.addAll()
	}
	s.synced.Store(true)
	s.signal()
	return err
}

// changedSinceFirstList says whether the object's version uid, resourceVersion came after the
// store's first list: it was created or changed while the wait watched.
func (s *watchedStore) changedSinceFirstList(uid types.UID, resourceVersion string) bool {
	listed := s.firstListed.Load()
	return listed != nil && (*listed)[uid] != resourceVersion
}

func (s *watchedStore) touch(obj any) {
	if s.nodesOf != nil {
		s.touched.add(s.nodesOf(obj))
	}
}

// touchedNodes collects, between two recomputes, the nodes whose verdict a change may have changed.
type touchedNodes struct {
	mu    sync.Mutex
	names map[string]bool
	// all is set by a relist, after which every node is judged again.
	all bool
}

func (t *touchedNodes) add(names []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.names == nil {
		t.names = map[string]bool{}
	}
	for _, name := range names {
		t.names[name] = true
	}
}

func (t *touchedNodes) addAll() {
	t.mu.Lock()
	t.all = true
	t.mu.Unlock()
}

// take returns what was collected and starts anew.
func (t *touchedNodes) take() (names map[string]bool, all bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	names, all = t.names, t.all
	t.names, t.all = nil, false
	return names, all
}

// podsByNode indexes pods by the node they are bound to or aimed at.
const podsByNode = "node"

var podIndexers = cache.Indexers{podsByNode: func(obj any) ([]string, error) { return podNodes(obj), nil }}

func podNodes(obj any) []string {
	if pod, ok := obj.(*corev1.Pod); ok {
		if name := coverage.TargetNodeName(pod); name != "" {
			return []string{name}
		}
	}
	return nil
}

func nodeName(obj any) []string {
	if node, ok := obj.(*corev1.Node); ok {
		return []string{node.Name}
	}
	return nil
}

func (s *watchedStore) Resync() error { return nil }

func (s *watchedStore) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// items returns the store's objects as T.
func items[T any](s *watchedStore) []T {
	list := s.List()
	out := make([]T, 0, len(list))
	for _, obj := range list {
		// A store is filled by one reflector of one type, so every object is a T.
		if item, ok := obj.(T); ok {
			out = append(out, item)
		}
	}
	return out
}

// watches runs the reflectors of one wait and collects what they report.
type watches struct {
	cs      kubernetes.Interface
	changed chan struct{}
	touched touchedNodes
	// fatal receives the first Forbidden answer: retrying cannot help, so the wait ends.
	fatal chan error
	wg    sync.WaitGroup

	mu sync.Mutex
	// failed is the error of the latest failed list or watch request, nil once one succeeds: the
	// reflectors retry on their own, but a wait that times out meanwhile should say why.
	failed error
}

func newWatches(cs kubernetes.Interface) *watches {
	return &watches{cs: cs, changed: make(chan struct{}, 1), fatal: make(chan error, 1)}
}

func (w *watches) newStore(nodesOf func(any) []string, indexers cache.Indexers) *watchedStore {
	return &watchedStore{Indexer: cache.NewIndexer(cache.MetaNamespaceKeyFunc, indexers), changed: w.changed, nodesOf: nodesOf, touched: &w.touched}
}

// watchTimeout asks the API server to keep each watch open for the whole wait rather than the
// reflector's default of 5 to 10 minutes, so that a long wait makes no more requests than a short
// one; without a deadline, for an hour.
func watchTimeout(ctx context.Context) time.Duration {
	if deadline, ok := ctx.Deadline(); ok {
		return time.Until(deadline)
	}
	return time.Hour
}

// reconnect paces a reflector's retries after an error, such as an API server restart, more
// tightly than client-go's 30 s cap: someone is waiting for the answer.
var reconnect = wait.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.2, Cap: 5 * time.Second, Steps: math.MaxInt32}

// watch starts a reflector that lists (paged) and then watches the objects a names (its verb is set
// per request), relisting when the watch expires (410 Gone) and reconnecting after errors, until ctx
// ends. A Forbidden answer ends the wait, unless the objects are optional: then the reflector stops
// and the store stays empty and unsynced.
func (w *watches) watch(ctx context.Context, example runtime.Object, a access, optional bool, nodesOf func(any) []string, indexers cache.Indexers,
	src source,
) *watchedStore {
	store := w.newStore(nodesOf, indexers)
	ctx, stop := context.WithCancel(ctx)
	check := func(ctx context.Context, a access, err error) error {
		if optional && apierrors.IsForbidden(err) {
			stop()
			return err
		}
		return w.check(ctx, a, err)
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			obj, err := src.list(ctx, o)
			return obj, check(ctx, a.as("list"), err)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			wi, err := src.watch(ctx, o)
			return wi, check(ctx, a.as("watch"), err)
		},
	}
	backoff := reconnect
	r := cache.NewReflectorWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, w.cs), example, store,
		cache.ReflectorOptions{Name: "kubedaemon-rollout-" + a.resource, Backoff: &backoff, MinWatchTimeout: watchTimeout(ctx)})
	r.WatchListPageSize = pageSize
	w.wg.Go(func() {
		defer stop()
		r.RunWithContext(ctx)
	})
	return store
}

// check records the outcome of a request, ends the wait on a Forbidden answer and returns the error
// to the reflector.
func (w *watches) check(ctx context.Context, a access, err error) error {
	if ctx.Err() != nil {
		return err // the wait is over; this error is its consequence, not news
	}
	w.mu.Lock()
	w.failed = nil
	if err != nil {
		w.failed = a.wrap(err)
	}
	w.mu.Unlock()
	if !apierrors.IsForbidden(err) {
		return err
	}
	explained := a.explain(err)
	select {
	case w.fatal <- explained:
	default:
	}
	return explained
}

// explain adds the latest request failure, if any, to the cause of an unfinished wait.
func (w *watches) explain(cause error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed == nil {
		return cause
	}
	return fmt.Errorf("%w; the last request to the API server failed: %v", cause, w.failed)
}

// source lists and watches one kind of object, with the selectors of a wait.
type source struct {
	list  func(context.Context, metav1.ListOptions) (runtime.Object, error)
	watch func(context.Context, metav1.ListOptions) (watch.Interface, error)
}

// selected is the source of a typed client's List and Watch, with the field and label selectors
// set on every request.
func selected[L runtime.Object](list func(context.Context, metav1.ListOptions) (L, error),
	watchFn func(context.Context, metav1.ListOptions) (watch.Interface, error), fieldSelector, labelSelector string,
) source {
	return source{
		list: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector, o.LabelSelector = fieldSelector, labelSelector
			return list(ctx, o)
		},
		watch: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector, o.LabelSelector = fieldSelector, labelSelector
			return watchFn(ctx, o)
		},
	}
}

// watchDaemonSet watches the one DaemonSet named name, through a field selector on its name.
func (w *watches) watchDaemonSet(ctx context.Context, namespace, name string) *watchedStore {
	client := w.cs.AppsV1().DaemonSets(namespace)
	return w.watch(ctx, &appsv1.DaemonSet{}, access{group: "apps", resource: "daemonsets", namespace: namespace}, false, nil, nil,
		selected(client.List, client.Watch, fields.OneTermEqualSelector(metav1.ObjectNameField, name).String(), ""))
}

// watchPods watches the pods in namespace that selector matches.
func (w *watches) watchPods(ctx context.Context, namespace string, selector labels.Selector) *watchedStore {
	client := w.cs.CoreV1().Pods(namespace)
	return w.watch(ctx, &corev1.Pod{}, access{resource: "pods", namespace: namespace}, false, podNodes, podIndexers,
		selected(client.List, client.Watch, "", selector.String()))
}

// watchNodes watches all nodes.
func (w *watches) watchNodes(ctx context.Context) *watchedStore {
	client := w.cs.CoreV1().Nodes()
	return w.watch(ctx, &corev1.Node{}, access{resource: "nodes"}, false, nodeName, nil, selected(client.List, client.Watch, "", ""))
}

// watchFailedCreates watches the DaemonSet controller's FailedCreate events about ds. They only
// explain missing pods (and end a wait that cannot succeed), so credentials that may not read
// events make a wait without them rather than a failed one.
func (w *watches) watchFailedCreates(ctx context.Context, ds *appsv1.DaemonSet) *watchedStore {
	client := w.cs.CoreV1().Events(ds.Namespace)
	return w.watch(ctx, &corev1.Event{}, access{resource: "events", namespace: ds.Namespace}, true, nil, nil,
		selected(client.List, client.Watch, failedCreates(ds), ""))
}
