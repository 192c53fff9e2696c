package daemonset

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestLock(t *testing.T) {
	locked := func(t *testing.T, cs *fake.Clientset) (lock, bool) {
		t.Helper()
		ds, err := cs.AppsV1().DaemonSets("default").Get(t.Context(), "agent", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return readLock(ds.Annotations)
	}
	withLock := func(t *testing.T, value string) *fake.Clientset {
		t.Helper()
		ds := agent()
		if value != "" {
			ds.Annotations = map[string]string{LockAnnotation: value}
		}
		return fake.NewClientset(ds)
	}

	t.Run("one holder at a time", func(t *testing.T) {
		cs := withLock(t, "")
		release, err := Lock(t.Context(), cs, "default", "agent", "", "first", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if l, ok := locked(t, cs); !ok || l.Holder != "first" || time.Until(l.Expires) < 59*time.Minute {
			t.Errorf("lock %+v, want first's for an hour", l)
		}
		_, err = Lock(t.Context(), cs, "default", "agent", "", "second", time.Hour)
		var held *HeldError
		if !errors.As(err, &held) || held.Holder != "first" {
			t.Fatalf("second holder: %v, want a HeldError naming first", err)
		}
		release()
		if l, ok := locked(t, cs); ok {
			t.Errorf("lock %+v after its release", l)
		}
		if _, err := Lock(t.Context(), cs, "default", "agent", "", "second", time.Hour); err != nil {
			t.Errorf("second holder after the release: %v", err)
		}
	})
	t.Run("an expired lock is taken", func(t *testing.T) {
		raw, _ := json.Marshal(lock{Holder: "killed", Expires: time.Now().Add(-time.Second)})
		cs := withLock(t, string(raw))
		if _, err := Lock(t.Context(), cs, "default", "agent", "", "next", time.Hour); err != nil {
			t.Fatal(err)
		}
		if l, _ := locked(t, cs); l.Holder != "next" {
			t.Errorf("holder %q, want next", l.Holder)
		}
	})
	t.Run("an unreadable lock holds nothing", func(t *testing.T) {
		if _, err := Lock(t.Context(), withLock(t, "{edited"), "default", "agent", "", "next", time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a release after the lock was taken over leaves it", func(t *testing.T) {
		cs := withLock(t, "")
		release, err := Lock(t.Context(), cs, "default", "agent", "", "slow", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(lock{Holder: "other", Expires: time.Now().Add(time.Hour)})
		if err := patchLock(t.Context(), cs, "default", "agent", "", string(raw)); err != nil {
			t.Fatal(err)
		}
		release()
		if l, _ := locked(t, cs); l.Holder != "other" {
			t.Errorf("holder %q after slow's release, want other's lock kept", l.Holder)
		}
	})
	t.Run("a replaced DaemonSet is not locked", func(t *testing.T) {
		_, err := Lock(t.Context(), withLock(t, ""), "default", "agent", "uid-of-the-one-state-knows", "next", time.Hour)
		var replaced *ReplacedError
		if !errors.As(err, &replaced) {
			t.Errorf("err %v, want a ReplacedError", err)
		}
	})
}
