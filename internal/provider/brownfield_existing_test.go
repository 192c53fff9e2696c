package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// TestAccDaemonSet_createRefusesExisting: a DaemonSet another team made under the same name, with
// an identical spec, is never adopted: the create fails with the import block to write, and the
// other team's DaemonSet is untouched after destroy.
func TestAccDaemonSet_createRefusesExisting(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	theirs := agentLike(ns)
	created, err := cs.AppsV1().DaemonSets(ns).Create(context.Background(), theirs, metav1.CreateOptions{FieldManager: "other-team"})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkSameDaemonSet(cs, ns, "agent", created.UID),
		Steps: []resource.TestStep{{
			Config:      config.String(),
			ExpectError: regexp.MustCompile(`(?s)DaemonSet ` + ns + `/agent\s+already\s+exists.*other-team.*import \{\s+to = kubedaemon_daemonset\.agent\s+id = "` + ns + `/agent"`),
		}},
	})
}

// TestAccNodeAgent_retryAfterRefusedCreate: an agent whose DaemonSet name another tool holds is
// refused after it made its ServiceAccount; once the name is free, the next apply runs under that
// ServiceAccount instead of refusing it as another tool's.
func TestAccNodeAgent_retryAfterRefusedCreate(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	theirs := agentLike(ns)
	if _, err := cs.AppsV1().DaemonSets(ns).Create(context.Background(), theirs, metav1.CreateOptions{FieldManager: "other-team"}); err != nil {
		t.Fatal(err)
	}
	config := nodeAgentConfig(ns, "agent", testImage, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)DaemonSet ` + ns + `/agent\s+already\s+exists.*other-team`),
		}, {
			PreConfig: func() {
				background := metav1.DeletePropagationBackground
				if err := cs.AppsV1().DaemonSets(ns).Delete(context.Background(), "agent", metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
					t.Fatal(err)
				}
				if _, err := cs.CoreV1().ServiceAccounts(ns).Get(context.Background(), "agent", metav1.GetOptions{}); err != nil {
					t.Fatalf("the refused create left no ServiceAccount behind, so this test shows nothing: %v", err)
				}
			},
			Config: config,
			Check:  checkPodServiceAccount(cs, ns, "agent", "agent"),
		}},
	})
}

// TestAccDaemonSet_recreatedOutOfBandIsLeftAlone: a DaemonSet deleted and made again under the
// same name by someone else is not the one in state: the plan creates it again (which then fails,
// saying to import it) and destroy never deletes it.
func TestAccDaemonSet_recreatedOutOfBandIsLeftAlone(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	var theirs types.UID
	recreate := func() {
		ctx := context.Background()
		policy := metav1.DeletePropagationForeground
		if err := cs.AppsV1().DaemonSets(ns).Delete(ctx, "agent", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 2*time.Minute, "the DaemonSet to go", func() (bool, error) {
			_, err := cs.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
			return err != nil, nil
		})
		created, err := cs.AppsV1().DaemonSets(ns).Create(ctx, agentLike(ns), metav1.CreateOptions{FieldManager: "other-team"})
		if err != nil {
			t.Fatal(err)
		}
		theirs = created.UID
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			return checkSameDaemonSet(cs, ns, "agent", theirs)(s)
		},
		Steps: []resource.TestStep{{
			Config: config.String(),
		}, {
			PreConfig:          recreate,
			Config:             config.String(),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}, {
			Config:      config.String(),
			ExpectError: regexp.MustCompile(`(?s)already exists.*other-team.*import \{`),
		}},
	})
}

// agentLike is the DaemonSet of daemonSetConfig{name: "agent", app: "agent"}, as another tool makes it.
func agentLike(namespace string) *appsv1.DaemonSet {
	labels := map[string]string{"app": "agent"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: namespace},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: testImage}}},
			},
		},
	}
}

func checkSameDaemonSet(cs kubernetes.Interface, namespace, name string, uid types.UID) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ds, err := cs.AppsV1().DaemonSets(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("the other tool's DaemonSet: %w", err)
		}
		if ds.UID != uid || ds.DeletionTimestamp != nil {
			return fmt.Errorf("DaemonSet %s/%s is uid %s (deleting: %v), want the other tool's %s untouched", namespace, name, ds.UID, ds.DeletionTimestamp != nil, uid)
		}
		return nil
	}
}
