package rollout_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// TestAccWait_podsRefused gives Wait DaemonSets whose pods the API server refuses: the wait must end
// with the controller's FailedCreate cause well before its deadline (5 minutes, which a wait that
// only watched pods would wait out with pod_missing), and Snapshot must give every node without a
// pod that cause.
func TestAccWait_podsRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, cs kubernetes.Interface, ns string)
		want  string
	}{
		{
			name: "missing ServiceAccount at create",
			setup: func(t *testing.T, cs kubernetes.Interface, ns string) {
				createDaemonSet(t, cs, ns, func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.ServiceAccountName = "missing" })
			},
			want: `serviceaccount "missing" not found`,
		},
		{
			name: "missing PriorityClass at create",
			setup: func(t *testing.T, cs kubernetes.Interface, ns string) {
				createDaemonSet(t, cs, ns, func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.PriorityClassName = "kd-missing" })
			},
			want: `no PriorityClass with name kd-missing was found`,
		},
		{
			// The pods of the first template run; the update's are refused, on every node the rolling
			// update has freed.
			name: "missing ServiceAccount in an update",
			setup: func(t *testing.T, cs kubernetes.Interface, ns string) {
				createDaemonSet(t, cs, ns)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if _, err := rollout.Wait(ctx, cs, ns, "agent", rollout.Options{}); err != nil {
					t.Fatalf("first rollout: %v", err)
				}
				patch := []byte(`{"spec":{"template":{"spec":{"serviceAccountName":"missing"}}}}`)
				if _, err := cs.AppsV1().DaemonSets(ns).Patch(context.Background(), "agent", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			want: `serviceaccount "missing" not found`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := testClient(t)
			ns := testNamespace(t, cs)
			tc.setup(t, cs, ns)

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			started := time.Now()
			report, err := rollout.Wait(ctx, cs, ns, "agent", rollout.Options{})
			t.Logf("Wait returned after %v: %v", time.Since(started).Round(time.Millisecond), err)
			var refused *rollout.CreateFailedError
			if !errors.As(err, &refused) {
				t.Fatalf("got %v, want a *CreateFailedError", err)
			}
			if ctx.Err() != nil {
				t.Fatalf("Wait returned only at its deadline")
			}
			if !strings.Contains(err.Error(), tc.want) || report.CreateFailure == nil || !strings.Contains(report.CreateFailure.Message, tc.want) {
				t.Errorf("the error and the report's CreateFailure (%+v) must say %q", report.CreateFailure, tc.want)
			}

			_, snapshot, err := rollout.Snapshot(context.Background(), cs, ns, "agent", nil, coverage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if snapshot.CreateFailure == nil || !strings.Contains(snapshot.CreateFailure.Message, tc.want) {
				t.Errorf("snapshot: CreateFailure %+v, want one that says %q", snapshot.CreateFailure, tc.want)
			}
			missing := 0
			for _, n := range snapshot.Nodes {
				if n.Reason == coverage.ReasonPodMissing {
					missing++
					if !strings.Contains(n.Message, tc.want) {
						t.Errorf("snapshot: node %s: message %q does not say %q", n.Name, n.Message, tc.want)
					}
				}
			}
			if missing == 0 {
				t.Error("snapshot: no node is pod_missing")
			}
		})
	}
}
