package daemonset

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/serverclock"
)

// LockAnnotation marks a DaemonSet whose rollout an apply is driving: which apply, and until when.
// Two applies of one DaemonSet (two workspaces, two CI runs) would otherwise each wait for its own
// template while the other replaces it, and a rollback could undo the other's update.
const LockAnnotation = "kubedaemon.io/rollout-lock"

// lockManager is the field manager of the lock annotation, apart from the configuration's, so that
// no apply of the configuration ever owns, conflicts over or removes it.
const lockManager = "kubedaemon-rollout-lock"

// lockAttempts bounds the retries when the DaemonSet changes between the read and the patch.
const lockAttempts = 5

// lock is the annotation's value. Expires is in the API server's time, which every runner reads
// alike, whatever its own clock says.
type lock struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// HeldError says that another apply holds the rollout lock of a DaemonSet.
type HeldError struct {
	Namespace, Name string
	Holder          string
	Expires         time.Time
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("DaemonSet %s/%s is being rolled out by another apply (%s), which holds it until %s (the API server's time). "+
		"Wait for that apply to end and run this one again. If it was killed, its lock expires then; to go on sooner, remove the annotation %s from the DaemonSet.",
		e.Namespace, e.Name, e.Holder, e.Expires.UTC().Format(time.RFC3339), LockAnnotation)
}

// Lock takes the rollout lock of the DaemonSet namespace/name (uid, when known, must be the one it
// names) for holder, for hold, unless another holder has it and it has not expired (a *HeldError).
// The annotation is written with the resource version just read, so of two applies that race for
// it exactly one wins. The returned release removes it, if holder still has it; it runs on a
// context of its own, so that an interrupted apply still lets go.
func Lock(ctx context.Context, cs kubernetes.Interface, namespace, name string, uid types.UID, holder string, hold time.Duration) (release func(), err error) {
	offset := serverclock.Offset(ctx, cs)
	for range lockAttempts {
		ds, err := Get(ctx, cs, namespace, name, uid)
		if err != nil {
			return nil, err
		}
		now := time.Now().Add(offset)
		if held, ok := readLock(ds.Annotations); ok && held.Holder != holder && now.Before(held.Expires) {
			return nil, &HeldError{Namespace: namespace, Name: name, Holder: held.Holder, Expires: held.Expires}
		}
		value, err := json.Marshal(lock{Holder: holder, Expires: now.Add(hold).Truncate(time.Second)})
		if err != nil {
			return nil, err
		}
		err = patchLock(ctx, cs, namespace, name, ds.ResourceVersion, string(value))
		if apierrors.IsConflict(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return func() { unlock(context.WithoutCancel(ctx), cs, namespace, name, holder) }, nil
	}
	return nil, fmt.Errorf("take the rollout lock of DaemonSet %s/%s: it changed on every one of %d attempts", namespace, name, lockAttempts)
}

// unlock removes the lock annotation if holder still has it; a lock taken over after it expired,
// or a DaemonSet gone, is left as it is.
func unlock(ctx context.Context, cs kubernetes.Interface, namespace, name, holder string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for range lockAttempts {
		ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return
		}
		if held, ok := readLock(ds.Annotations); !ok || held.Holder != holder {
			return
		}
		if err := patchLock(ctx, cs, namespace, name, ds.ResourceVersion, nil); !apierrors.IsConflict(err) {
			return
		}
	}
}

// patchLock sets the lock annotation to value (nil removes it) on the DaemonSet at resourceVersion.
func patchLock(ctx context.Context, cs kubernetes.Interface, namespace, name, resourceVersion string, value any) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"resourceVersion": resourceVersion,
		"annotations":     map[string]any{LockAnnotation: value},
	}})
	if err != nil {
		return err
	}
	_, err = cs.AppsV1().DaemonSets(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: lockManager})
	return err
}

// readLock reads the lock annotation; one that cannot be read holds nothing.
func readLock(annotations map[string]string) (lock, bool) {
	raw, ok := annotations[LockAnnotation]
	if !ok {
		return lock{}, false
	}
	var l lock
	if json.Unmarshal([]byte(raw), &l) != nil || l.Holder == "" {
		return lock{}, false
	}
	return l, true
}
