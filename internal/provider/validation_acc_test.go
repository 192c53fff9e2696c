package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
)

// TestAccValidationTable plans every case with Terraform itself, against a provider whose host is a
// listener that only counts connections: each case must fail with its summary, and no request may
// reach the listener.
func TestAccValidationTable(t *testing.T) {
	skipUnlessAcc(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	var connections atomic.Int64
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			connections.Add(1)
			_ = conn.Close()
		}
	}()
	host := "https://" + listener.Addr().String()
	for _, tc := range invalidCases {
		for _, rc := range tc.resources() {
			t.Run(tc.name+"/"+rc.typeName, func(t *testing.T) { planRefused(t, tc, rc, host, &connections) })
		}
	}
}

// planRefused plans one configuration of a case with Terraform: it must fail with the case's
// summary, and open no connection to host.
func planRefused(t *testing.T, tc invalidCase, rc resourceCase, host string, connections *atomic.Int64) {
	step := resource.TestStep{ExpectError: regexp.MustCompile(`Error: ` + wrapped(tc.summary)), PlanOnly: true}
	// Any request the provider made would go to the listener, unless the case sets a host.
	providerArguments := obj{"host": host}
	maps.Copy(providerArguments, tc.provider)
	if tc.importID != "" {
		step.PlanOnly, step.ResourceName, step.ImportState, step.ImportStateId = false, daemonSetAddress, true, tc.importID
	}
	step.Config = hclBlock(`provider "kubedaemon"`, providerArguments) + hclBlock(`resource "`+rc.typeName+`" "test"`, rc.config)
	if tc.importID != "" {
		step.Config = testedProviderRequirement() + step.Config
	}
	before := connections.Load()
	// Deferred, so that it also runs when resource.Test fails the case.
	defer func() {
		if n := connections.Load() - before; n > 0 {
			t.Errorf("the provider opened %d connections to the cluster for a configuration it should refuse before", n)
		}
	}()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{step},
	})
}

// hclBlock renders a block whose arguments are given as Go values; the provider's exec is a nested
// block, everything else an attribute.
func hclBlock(header string, arguments obj) string {
	var b strings.Builder
	b.WriteString(header + " {\n")
	for _, name := range slices.Sorted(maps.Keys(arguments)) {
		if blocks, ok := arguments[name].(list); ok && name == "exec" {
			for _, block := range blocks {
				nested, _ := block.(obj)
				b.WriteString("  " + strings.ReplaceAll(hclBlock("exec", nested), "\n", "\n  ") + "\n")
			}
			continue
		}
		fmt.Fprintf(&b, "  %s = %s\n", name, hclValue(arguments[name], "  "))
	}
	return b.String() + "}\n"
}

// hclValue renders a value as an HCL expression.
func hclValue(v any, indent string) string {
	switch v := v.(type) {
	case obj:
		if len(v) == 0 {
			return "{}"
		}
		var b strings.Builder
		b.WriteString("{\n")
		for _, key := range slices.Sorted(maps.Keys(v)) {
			fmt.Fprintf(&b, "%s  %s = %s\n", indent, hclString(key), hclValue(v[key], indent+"  "))
		}
		return b.String() + indent + "}"
	case list:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = hclValue(item, indent)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case string:
		return hclString(v)
	default:
		return fmt.Sprint(v)
	}
}

// TestAccValidationTable_apiServerAgrees checks the rules against the API server they mirror: the
// server must refuse every resource case whose object can be built, in a server-side dry run, either
// the DaemonSet itself or the pods the controller would make from it (the server requires an image
// of a pod, not of a template); it must accept the valid configuration and its pods. Cases about
// provider-side arguments (timeouts, field manager) or values the schema types refuse before an
// object exists have no server verdict.
func TestAccValidationTable_apiServerAgrees(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ctx := context.Background()
	var schemaResp fwresource.SchemaResponse
	NewDaemonSetResource().Schema(ctx, fwresource.SchemaRequest{}, &schemaResp)
	dryRun := metav1.DryRunAll
	build := func(t *testing.T, config obj) (daemonSetModel, *appsv1ac.DaemonSetApplyConfiguration, diag.Diagnostics) {
		t.Helper()
		raw, err := terraformValue(schemaResp.Schema.Type().TerraformType(ctx), config)
		if err != nil {
			t.Fatal(err)
		}
		var m daemonSetModel
		diags := tfsdk.Plan{Schema: schemaResp.Schema, Raw: raw}.Get(ctx, &m)
		ac, d := m.applyConfiguration(ctx)
		diags.Append(d...)
		return m, ac, diags
	}
	// applyJSON sends the base DaemonSet's JSON with change made to it.
	applyJSON := func(t *testing.T, change func(obj)) error {
		t.Helper()
		_, ac, diags := build(t, baseDaemonSet())
		if diags.HasError() {
			t.Fatal(diags)
		}
		encoded, err := json.Marshal(ac)
		if err != nil {
			t.Fatal(err)
		}
		var ds obj
		if err := json.Unmarshal(encoded, &ds); err != nil {
			t.Fatal(err)
		}
		change(ds)
		if encoded, err = json.Marshal(ds); err != nil {
			t.Fatal(err)
		}
		return cs.AppsV1().RESTClient().Patch(types.ApplyPatchType).Namespace(*ac.Namespace).Resource("daemonsets").Name(*ac.Name).
			Param("fieldManager", "kubedaemon-test").Param("dryRun", dryRun).Body(encoded).Do(ctx).Error()
	}
	// apply sends the configuration as the provider would, then one of the pods it would make. A value
	// the Go types cannot hold leaves no object to send: serverJSON then says where it goes in JSON.
	apply := func(t *testing.T, config obj, serverJSON func(obj)) error {
		t.Helper()
		m, ac, diags := build(t, config)
		if diags.HasError() {
			if serverJSON == nil {
				t.Fatalf("the provider builds no object (%v), and the case gives no serverJSON to ask the API server with", diags)
			}
			return applyJSON(t, serverJSON)
		}
		if _, err := cs.AppsV1().DaemonSets(*ac.Namespace).Apply(ctx, ac,
			metav1.ApplyOptions{FieldManager: "kubedaemon-test", DryRun: []string{dryRun}}); err != nil {
			return err
		}
		ds, diags := m.daemonSetObject(ctx)
		if diags.HasError() {
			t.Fatal(diags)
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "agent-", Labels: ds.Spec.Template.Labels}, Spec: ds.Spec.Template.Spec}
		_, err := cs.CoreV1().Pods(ds.Namespace).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{dryRun}})
		return err
	}
	t.Run("valid", func(t *testing.T) {
		if err := apply(t, validDaemonSet(), nil); err != nil {
			t.Errorf("the API server refuses the valid configuration: %v", err)
		}
	})
	for _, tc := range invalidCases {
		if tc.daemonSet == nil || !strings.HasPrefix(tc.path, "spec") && !strings.HasPrefix(tc.path, "metadata") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			config := baseDaemonSet()
			tc.daemonSet(config)
			err := apply(t, config, tc.serverJSON)
			if tc.serverAccepts != "" {
				if err != nil {
					t.Errorf("the API server now refuses what the rule says it accepts (%s): %v", tc.serverAccepts, err)
				}
				return
			}
			// An invalid namespace name is one no namespace can have: the server finds none.
			// A value its Go types cannot hold fails the server's decoding of the apply patch, which it
			// answers with 500 Internal Error; so does a list whose entries share the key that server-side
			// apply merges them by (two mounts at one path).
			refused := apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) ||
				apierrors.IsNotFound(err) && strings.HasPrefix(tc.path, "metadata.namespace") ||
				tc.serverJSON != nil && apierrors.IsInternalError(err) && strings.Contains(err.Error(), "unable to convert unstructured object") ||
				apierrors.IsInternalError(err) && strings.Contains(err.Error(), "duplicate entries for key")
			if !refused {
				t.Errorf("the provider refuses it with %q at %s, the API server answers %v", tc.summary, tc.path, err)
			}
		})
	}
}
