package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// BenchmarkPlanDaemonSet makes the requests terraform plan makes of the provider for one
// kubedaemon_daemonset of the benchmark's plan scenario (cmd/bench, configs.go): a create, and a
// change of a pod template annotation over the state the create planned. No cluster is configured,
// so what it measures is the provider's and the framework's own work on the value, which is what
// a plan of many DaemonSets costs beyond its one shared node list.
func BenchmarkPlanDaemonSet(b *testing.B) {
	ctx := context.Background()
	server, err := testAccProtoV6ProviderFactories["kubedaemon"]()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	typ := schemas.ResourceSchemas["kubedaemon_daemonset"].ValueType()
	config := func(revision string) *tfprotov6.DynamicValue {
		c := baseDaemonSet()
		set("spec.template.metadata.annotations", obj{"bench.kubedaemon.io/revision": revision})(c)
		set("spec.template.spec.node_selector", obj{"bench.kubedaemon.io/pool": "plan"})(c)
		set("timeouts", obj{"create": "30m", "update": "30m"})(c)
		value, err := terraformValue(typ, c)
		if err != nil {
			b.Fatal(err)
		}
		dv, err := tfprotov6.NewDynamicValue(typ, value)
		if err != nil {
			b.Fatal(err)
		}
		return &dv
	}
	plan := func(prior, config *tfprotov6.DynamicValue) *tfprotov6.DynamicValue {
		validated, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "kubedaemon_daemonset", Config: config})
		if err != nil || len(validated.Diagnostics) > 0 {
			b.Fatalf("validate: %v %v", err, validated.Diagnostics)
		}
		resp, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: "kubedaemon_daemonset", PriorState: prior, ProposedNewState: config, Config: config,
		})
		if err != nil || len(resp.Diagnostics) > 0 {
			b.Fatalf("plan: %v %v", err, resp.Diagnostics)
		}
		return resp.PlannedState
	}
	null, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		b.Fatal(err)
	}
	created := config("1")
	b.Run("create", func(b *testing.B) {
		for b.Loop() {
			plan(&null, created)
		}
	})
	// The state after the create: the planned values, with what was unknown until the apply null.
	planned, err := plan(&null, created).Unmarshal(typ)
	if err != nil {
		b.Fatal(err)
	}
	known, err := tftypes.Transform(planned, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	prior, err := tfprotov6.NewDynamicValue(typ, known)
	if err != nil {
		b.Fatal(err)
	}
	changed := config("2")
	b.Run("changed", func(b *testing.B) {
		for b.Loop() {
			plan(&prior, changed)
		}
	})
}
