package serverclock

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
)

// TestOffset: the offset comes from the API server's Date header, rounded so that the
// server's time is never overestimated.
func TestOffset(t *testing.T) {
	for _, skew := range []time.Duration{time.Hour, -90 * time.Second, 0} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"major":"1","minor":"37","gitVersion":"v1.37.2"}`))
		}))
		cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		got := Offset(t.Context(), cs)
		srv.Close()
		// The header drops the fraction of the second: the estimate is at most a second (and the
		// request's round trip) below the skew, and never above it.
		if got > skew || got < skew-2*time.Second {
			t.Errorf("skew %v: offset %v, want within (skew-2s, skew]", skew, got)
		}
	}
}

// TestOffset_noAnswer: without an answer (or a client that is no REST client), the
// machine's own clock is used.
func TestOffset_noAnswer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: addr})
	if err != nil {
		t.Fatal(err)
	}
	if got := Offset(t.Context(), cs); got != 0 {
		t.Errorf("unreachable server: offset %v, want 0", got)
	}
	if got := Offset(t.Context(), fake.NewClientset()); got != 0 {
		t.Errorf("fake clientset: offset %v, want 0", got)
	}
}
