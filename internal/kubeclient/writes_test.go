package kubeclient

import (
	"net/http"
	"testing"
)

type okTransport struct{}

func (okTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

// TestWritesTransport: reads (gets, lists and watches are all GETs) leave the shared reads alone;
// every other method may change the cluster and forgets them.
func TestWritesTransport(t *testing.T) {
	for method, wantWritten := range map[string]bool{
		http.MethodGet: false, http.MethodHead: false,
		http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true,
	} {
		written := false
		transport := writesTransport{next: okTransport{}, written: func() { written = true }}
		req, err := http.NewRequest(method, "https://kube.example/apis/apps/v1/namespaces/logs/daemonsets/agent", http.NoBody)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if written != wantWritten {
			t.Errorf("%s: written = %v, want %v", method, written, wantWritten)
		}
	}
}
