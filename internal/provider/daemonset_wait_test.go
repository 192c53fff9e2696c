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
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestAccDaemonSet_nodesJoiningDuringTheWait(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	nodes := readyUntaintedNodes(t, cs)
	const joining = 4
	// minReadySeconds keeps the wait open for a few seconds, so the nodes that join as soon as the
	// DaemonSet exists certainly join during the wait.
	// Joining nodes are NotReady until kwok takes them up; counting them makes the wait hold until
	// they are covered, whatever the machine's load.
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent", resourceExtra: "wait_for_not_ready_nodes = true"}
	withMinReady := regexp.MustCompile(`(?m)^    template = \{`).ReplaceAllString(config.String(), "    min_ready_seconds = 5\n    template = {")

	var (
		once     sync.Once
		mu       sync.Mutex // guards joined and joinErrs, which the node-adding goroutine writes
		joined   []string
		joinErrs []error
		done     = make(chan struct{})
		// The cleanup ends the goroutine (ended) and waits for it (adding) before it deletes the
		// joined nodes: when the apply fails before the DaemonSet exists, a node created after the
		// cleanup read joined would stay in the cluster and change every later test's node count.
		ended  = make(chan struct{})
		adding sync.WaitGroup
	)
	t.Cleanup(func() {
		close(ended)
		adding.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, name := range joined {
			_ = cs.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
		}
	})
	addNodesWhenDaemonSetAppears := func() {
		// The nodes are created from another goroutine while terraform applies; errors are
		// reported when the step's checks run, since t.Fatal must stay on the test's goroutine.
		adding.Go(func() {
			deadline := time.Now().Add(60 * time.Second)
			for {
				if _, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{}); err == nil {
					break
				}
				if time.Now().After(deadline) {
					return // no node joins; the step's check, if it runs, says so
				}
				select {
				case <-ended:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
			once.Do(func() {
				defer close(done)
				for range joining {
					name, err := createTestNode(cs, "kd-joining", testNode{})
					mu.Lock()
					joinErrs = append(joinErrs, err)
					joined = append(joined, name)
					mu.Unlock()
				}
			})
		})
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: addNodesWhenDaemonSetAppears,
			Config:    withMinReady,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("counted"), knownvalue.Int64Exact(int64(nodes+joining))),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("covered"), knownvalue.Int64Exact(int64(nodes+joining))),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error {
					select {
					case <-done:
					case <-time.After(time.Minute):
						return fmt.Errorf("the nodes were not all created within a minute")
					}
					mu.Lock()
					defer mu.Unlock()
					if len(joined) != joining {
						return fmt.Errorf("only %d of %d nodes joined during the apply: %v", len(joined), joining, joinErrs)
					}
					return errors.Join(joinErrs...)
				},
				checkEveryNodeRunsCurrentRevision(cs, ns, "agent"),
			),
		}},
	})
}

func TestAccDaemonSet_updateToImageThatNeverPulls(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	good := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	bad := good
	bad.image = "registry.invalid/agent:2"
	bad.resourceExtra = `timeouts = { update = "20s" }`

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: good.String(),
		}, {
			// Old ready pods never make the update succeed: the error names a node and the reason.
			Config:      bad.String(),
			ExpectError: regexp.MustCompile(`(?s)did not cover every node.*node-\S+.*image_pull.*registry\.invalid/agent:2`),
		}, {
			// The failed rollout is not forgotten: the same configuration plans an update that waits.
			Config: bad.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(daemonSetAddress, tfjsonpath.New("coverage")),
				},
			},
			ExpectError: regexp.MustCompile(`(?s)did not cover every node.*image_pull`),
		}, {
			// Fixed, the next apply waits until every node runs the good image; then plans are empty.
			Config: good.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkEveryNodeRunsCurrentRevision(cs, ns, "agent"),
				checkPodImages(cs, ns, "app=agent", testImage),
			),
		}},
	})
}

func TestAccDaemonSet_createTimeoutTaints(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	bad := daemonSetConfig{namespace: ns, name: "agent", app: "agent", image: "busybox:1.36",
		containerExtra: `command = ["/bin/false"]`, resourceExtra: `timeouts = { create = "15s" }`}
	good := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      bad.String(),
			ExpectError: regexp.MustCompile(`(?s)did not cover every node.*crash_loop`),
		}, {
			// The created DaemonSet is in state, tainted: the next apply replaces it.
			Config: good.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: checkEveryNodeRunsCurrentRevision(cs, ns, "agent"),
		}},
	})
}

func TestAccDaemonSet_onDelete(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	first := daemonSetConfig{namespace: ns, name: "agent", app: "agent", podSpecExtra: ""}
	onDelete := func(image string) string {
		c := first
		c.image = image
		return regexp.MustCompile(`(?m)^    template = \{`).ReplaceAllString(c.String(), "    update_strategy = { type = \"OnDelete\" }\n    template = {")
	}
	var podsBefore []types.UID

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: onDelete(testImage),
			Check: func(*terraform.State) error {
				podsBefore = podUIDs(t, cs, ns, "app=agent")
				return nil
			},
		}, {
			// Under OnDelete the old pods keep covering their nodes: the apply completes at once
			// and leaves them running.
			Config: onDelete("registry.k8s.io/pause:3.9"),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(daemonSetAddress, "coverage.complete", "true"),
				func(*terraform.State) error {
					after := podUIDs(t, cs, ns, "app=agent")
					if fmt.Sprint(after) != fmt.Sprint(podsBefore) {
						return fmt.Errorf("pods changed under OnDelete: before %v, after %v", podsBefore, after)
					}
					return nil
				},
			),
		}},
	})
}
