package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	appsv1 "k8s.io/api/apps/v1"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

// TestAccSpecRoundTrip_generated drives the spec's generated cases through the real API server:
//   - each case is server-side applied in dry-run mode (validation, admission and defaulting are the
//     real ones) and the answer read back as after an apply and as after an import: after an apply
//     it must equal the plan (no "inconsistent result", no diff on the next plan, even where the
//     server defaults a configured zero), and an import must read the same, zero values included,
//     from the configuration the apply recorded on the object;
//   - the accepted cases are then packed, as many as the server takes together, into a few
//     DaemonSets that Terraform creates, plans again (empty) and imports (verified).
func TestAccSpecRoundTrip_generated(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	ctx := context.Background()
	start := time.Now()

	// The API server judges each case on its own, a few at a time.
	cases := specCases(t, 8)
	results := make([]caseResult, len(cases))
	var wg sync.WaitGroup
	work := make(chan int)
	for range 6 {
		wg.Go(func() {
			for i := range work {
				results[i] = roundTripOnServer(t, ctx, cs, ns, cases[i])
			}
		})
	}
	for i := range cases {
		work <- i
	}
	close(work)
	wg.Wait()
	var accepted []specCase
	rejected, droppedByServer := 0, 0
	for i, r := range results {
		switch {
		case r.err != "":
			t.Errorf("%s: %s", cases[i], r.err)
		case r.rejected:
			rejected++ // invalid on its own (an image pull policy "x", a port 0): the API server or the provider's rules say no
		case r.dropped:
			droppedByServer++
		default:
			accepted = append(accepted, cases[i])
		}
	}
	attributes := map[string]bool{}
	for _, c := range accepted {
		attributes[strings.Join(c.path, ".")] = true
	}
	t.Logf("%d cases accepted by the API server (%d attributes), %d refused on their own, %d dropped by it; dry-run round trips took %s",
		len(accepted), len(attributes), rejected, droppedByServer, time.Since(start).Round(time.Millisecond))

	batches := packBatches(t, ctx, cs, ns, accepted, 1)
	for i, batch := range batches {
		t.Run(fmt.Sprintf("batch-%d-of-%d-cases", i+1, len(batch)), func(t *testing.T) {
			ns := testAccNamespace(t, cs)
			spec := withCases(batch...)
			config := fmt.Sprintf(`
resource "kubedaemon_daemonset" "test" {
  metadata = {
    name      = "generated"
    namespace = %q
  }
  spec = %s
  wait_for_rollout = false
}
`, ns, hcl(spec, 1))
			steps := []resource.TestStep{{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			}, {
				ResourceName:                         daemonSetAddress,
				ImportState:                          true,
				ImportStateId:                        ns + "/generated",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"coverage", "status", "resource_version", "wait_for_rollout"},
			}}
			resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
		})
	}
	covered := map[string]bool{}
	for _, b := range batches {
		for _, c := range b {
			covered[strings.Join(c.path, ".")] = true
		}
	}
	t.Logf("%d batches through Terraform covered %d attributes; %s in all", len(batches), len(covered), time.Since(start).Round(time.Second))
}

type caseResult struct {
	rejected, dropped bool
	err               string
}

// roundTripOnServer dry-runs one case on the API server and reads the answer back as after an
// apply and as after an import.
func roundTripOnServer(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns string, c specCase) caseResult {
	plan := daemonSetPlan(t, withCases(c))
	live, err := dryRunApply(ctx, cs, ns, &plan)
	if err != nil {
		return caseResult{rejected: true}
	}
	applied := plan
	if diags := readInto(ctx, &applied, live); diags.HasError() {
		return caseResult{err: fmt.Sprintf("read after apply: %v", diags)}
	}
	if !applied.Spec.Equal(plan.Spec) {
		if dropped := kubeschema.Dropped(ctx, specPath, plan.Spec, applied.Spec); len(dropped) > 0 {
			// The server did not keep it (a feature gate that is off): the apply says so.
			t.Logf("%s: the API server drops %v; the apply reports it as an error naming the attribute", c, dropped)
			return caseResult{dropped: true}
		}
		return caseResult{err: fmt.Sprintf("read after apply differs from the plan:\n got %s\nwant %s", applied.Spec, plan.Spec)}
	}
	imported := daemonSetModel{Metadata: plan.Metadata, Spec: types.ObjectNull(plan.Spec.AttributeTypes(ctx))}
	imported.fillDefaults()
	if diags := readInto(ctx, &imported, live); diags.HasError() {
		return caseResult{err: fmt.Sprintf("read after import: %v", diags)}
	}
	if !imported.Spec.Equal(plan.Spec) {
		return caseResult{err: fmt.Sprintf("read after import differs from the plan:\n got %s\nwant %s", imported.Spec, plan.Spec)}
	}
	return caseResult{}
}

// dryRunApply sends the plan as the provider would, in a dry run, after the provider's own plan-time
// rules, which refuse a few things the server accepts (a capability "x", a surge beside a host
// port): what either refuses, Terraform could not apply.
func dryRunApply(ctx context.Context, cs kubernetes.Interface, namespace string, plan *daemonSetModel) (*appsv1.DaemonSet, error) {
	plan.Metadata = types.ObjectValueMust(metadataAttrTypes, map[string]attr.Value{
		"name": types.StringValue("generated"), "namespace": types.StringValue(namespace),
		"labels": types.MapNull(types.StringType), "annotations": types.MapNull(types.StringType),
	})
	ds, diags := plan.daemonSetObject(ctx)
	if diags.HasError() {
		return nil, fmt.Errorf("%v", diags)
	}
	if findings := daemonset.Validate(ds); len(findings) > 0 {
		return nil, fmt.Errorf("the provider's rules refuse it: %v", findings)
	}
	// The request the provider makes: the configuration's JSON, empty lists included.
	desired, diags := plan.desiredObject(ctx)
	if diags.HasError() {
		return nil, fmt.Errorf("%v", diags)
	}
	body, err := daemonset.ApplyBody(desired)
	if err != nil {
		return nil, err
	}
	return cs.AppsV1().DaemonSets(namespace).Patch(ctx, "generated", k8stypes.ApplyPatchType, body,
		metav1.PatchOptions{FieldManager: defaultFieldManager, DryRun: []string{metav1.DryRunAll}})
}

// packBatches puts the cases into a few DaemonSets, each with as many cases as the API server
// accepts together, at most perGroup for each group: zero values apart from non-zero ones (they
// share paths).
func packBatches(t *testing.T, ctx context.Context, cs kubernetes.Interface, namespace string, cases []specCase, perGroup int) [][]specCase {
	t.Helper()
	var batches [][]specCase
	for _, zero := range []bool{true, false} {
		var open [][]specCase
		for _, c := range cases {
			if c.zero != zero {
				continue
			}
			placed := false
			for i := range open {
				plan := daemonSetPlan(t, withCases(append(slices.Clone(open[i]), c)...))
				if _, err := dryRunApply(ctx, cs, namespace, &plan); err == nil {
					open[i] = append(open[i], c)
					placed = true
					break
				}
			}
			if !placed && len(open) < perGroup {
				open = append(open, []specCase{c})
			}
		}
		batches = append(batches, open...)
	}
	return batches
}

// hcl writes a Go literal of withCases as an HCL expression.
func hcl(v any, depth int) string {
	indent := strings.Repeat("  ", depth)
	switch v := v.(type) {
	case map[string]any:
		var b strings.Builder
		b.WriteString("{\n")
		for _, k := range slices.Sorted(maps.Keys(v)) {
			fmt.Fprintf(&b, "%s  %s = %s\n", indent, k, hcl(v[k], depth+1))
		}
		return b.String() + indent + "}"
	case map[string]string:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, strconv.Quote(k)+" = "+strconv.Quote(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		var parts []string
		for _, e := range v {
			parts = append(parts, hcl(e, depth+1))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return strconv.Quote(v)
	}
	return fmt.Sprint(v)
}
