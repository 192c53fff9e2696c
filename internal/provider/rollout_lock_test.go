package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// TestAccRolloutLock_race: of applies that race for the rollout lock of one DaemonSet on the real
// API server, exactly one gets it; the others are told who has it.
func TestAccRolloutLock_race(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	if _, err := cs.AppsV1().DaemonSets(ns).Create(t.Context(), agentLike(ns), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			_, errs[i] = daemonset.Lock(context.Background(), cs, ns, "agent", "", fmt.Sprintf("racer %d", i), time.Minute)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		var held *daemonset.HeldError
		switch {
		case err == nil:
			won++
		case !errors.As(err, &held):
			t.Errorf("racer %d: %v, want the lock or a HeldError", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d racers took the lock, want exactly 1 (errors %v)", won, errs)
	}
}

// TestAccDaemonSet_updateWhileAnotherApplyRollsOut: an update of a DaemonSet whose rollout another
// apply drives fails at once, naming that apply, and changes nothing; once the other lets go the
// same update applies, and lets go of the lock in turn.
func TestAccDaemonSet_updateWhileAnotherApplyRollsOut(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := func(image string) string {
		return daemonSetConfig{namespace: ns, name: "locked", app: "locked", image: image}.String()
	}
	var release func()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return testAccCheckDaemonSetDestroyed(cs, ns, "locked", "app=locked")()
		},
		Steps: []resource.TestStep{{
			Config: config(testImage),
			Check: func(*terraform.State) error {
				var err error
				release, err = daemonset.Lock(context.Background(), cs, ns, "locked", "", "another runner", 10*time.Minute)
				return err
			},
		}, {
			Config:      config(testImage + "-next"),
			ExpectError: regexp.MustCompile(`(?s)being rolled out by another apply.*another runner.*` + regexp.QuoteMeta(daemonset.LockAnnotation)),
		}, {
			PreConfig: func() {
				if image := liveImage(t, cs, ns, "locked"); image != testImage {
					t.Errorf("image %q after the refused update, want %q unchanged", image, testImage)
				}
				release()
			},
			Config: config(testImage + "-next"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "locked", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if value, ok := ds.Annotations[daemonset.LockAnnotation]; ok {
					return fmt.Errorf("the apply kept the rollout lock: %s", value)
				}
				return expect("image", ds.Spec.Template.Spec.Containers[0].Image, testImage+"-next")
			},
		}},
	})
}

func liveImage(t *testing.T, cs kubernetes.Interface, namespace, name string) string {
	t.Helper()
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ds.Spec.Template.Spec.Containers[0].Image
}
