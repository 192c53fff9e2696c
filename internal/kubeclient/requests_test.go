package kubeclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRequestKind(t *testing.T) {
	tests := []struct {
		method, url, contentType string
		want                     string
	}{
		{"GET", "/api/v1/nodes?limit=500", "", "list nodes"},
		{"GET", "/api/v1/nodes?watch=true&resourceVersion=10", "", "watch nodes"},
		{"GET", "/api/v1/nodes/kwok-node-1", "", "get nodes"},
		{"GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dx", "", "list pods"},
		{"GET", "/api/v1/namespaces/default/pods?watch=1", "", "watch pods"},
		{"GET", "/apis/apps/v1/namespaces/default/daemonsets/agent", "", "get apps/daemonsets"},
		{"PATCH", "/apis/apps/v1/namespaces/default/daemonsets/agent?fieldManager=x", "application/apply-patch+yaml", "apply apps/daemonsets"},
		{"PATCH", "/apis/apps/v1/namespaces/default/daemonsets/agent", "application/merge-patch+json", "patch apps/daemonsets"},
		{"PUT", "/apis/apps/v1/namespaces/default/daemonsets/agent/status", "", "update apps/daemonsets/status"},
		{"GET", "/apis/apps/v1/namespaces/default/controllerrevisions", "", "list apps/controllerrevisions"},
		{"POST", "/api/v1/namespaces", "", "create namespaces"},
		{"GET", "/api/v1/namespaces/default", "", "get namespaces"},
		{"PUT", "/api/v1/namespaces/default/finalize", "", "update namespaces/finalize"},
		{"DELETE", "/api/v1/namespaces/default/pods/p", "", "delete pods"},
		{"DELETE", "/api/v1/namespaces/default/pods", "", "deletecollection pods"},
		{"GET", "/version", "", "get /version"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.url, nil)
		r.Header.Set("Content-Type", tt.contentType)
		if got := requestKind(r); got != tt.want {
			t.Errorf("%s %s: got %q, want %q", tt.method, tt.url, got, tt.want)
		}
	}
}

// TestNew_debugRequests turns on DebugRequestsEnv: the client must count its requests and the bytes of
// their responses, and keep the file of its process up to date.
func TestNew_debugRequests(t *testing.T) {
	isolateEnv(t)
	const body = `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,` +
		`"message":"namespaces \"x\" not found","details":{"name":"x","kind":"namespaces"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	dir := filepath.Join(t.TempDir(), "requests")
	t.Setenv(DebugRequestsEnv, dir)

	c := mustNew(t, Config{Host: srv.URL})
	for range 2 {
		if err := getNamespace(t, c); !apierrors.IsNotFound(err) {
			t.Fatalf("got %v, want the server's NotFound", err)
		}
	}
	if _, err := c.Clientset.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("got %v, want the server's NotFound", err)
	}

	data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("kubedaemon-requests-%d.json", os.Getpid())))
	if err != nil {
		t.Fatal(err)
	}
	var file RequestsFile
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	want := map[string]RequestCount{
		"get namespaces": {Requests: 2, Bytes: 2 * int64(len(body))},
		"list nodes":     {Requests: 1, Bytes: int64(len(body))},
	}
	if file.PID != os.Getpid() || len(file.Kinds) != len(want) {
		t.Fatalf("got %s, want pid %d and %v", data, os.Getpid(), want)
	}
	for kind, n := range want {
		if file.Kinds[kind] != n {
			t.Errorf("%s: got %+v, want %+v", kind, file.Kinds[kind], n)
		}
	}
}

func TestNew_debugRequestsUnwritable(t *testing.T) {
	isolateEnv(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(DebugRequestsEnv, filepath.Join(file, "dir"))
	_, err := New(Config{Host: "https://example.invalid"}, "test")
	if err == nil || !strings.Contains(err.Error(), DebugRequestsEnv) {
		t.Fatalf("got %v, want an error naming %s", err, DebugRequestsEnv)
	}
}
