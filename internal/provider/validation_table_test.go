package provider

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestValidationTable sends every case through the provider's protocol server, as Terraform
// would: validation for a resource or the provider configuration (then Configure, where the client
// is built), ImportResourceState for an import ID. Each must give its error, at its path, and the
// server must not panic. Valid configurations that set every field the cases break must pass.
func TestValidationTable(t *testing.T) {
	if len(invalidCases) < 40 {
		t.Fatalf("%d cases, want at least 40", len(invalidCases))
	}
	// Only the configuration under test counts, not the environment's KUBE_* variables.
	isolateProviderEnv(t)
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for typeName, config := range map[string]obj{
		"kubedaemon_daemonset":  validDaemonSet(),
		"kubedaemon_node_agent": {"name": "agent", "image": testImage, "host_paths": list{obj{"path": "/var/log"}}},
	} {
		resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
			TypeName: typeName,
			Config:   dynamicValue(t, schemas.ResourceSchemas[typeName].ValueType(), config),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.Diagnostics {
			t.Errorf("a valid %s: %s at %q: %s", typeName, d.Summary, pathString(d.Attribute), d.Detail)
		}
	}
	for _, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, rc := range tc.resources() {
				var diags []*tfprotov6.Diagnostic
				if tc.provider != nil || tc.importID != "" {
					diags = tc.validate(t, ctx, server, schemas)
				} else {
					diags = validateResource(t, ctx, server, schemas, rc)
				}
				checkOneError(t, rc.typeName, diags, tc.summary, rc.path)
			}
		})
	}
}

// checkOneError expects the error summary at path among diags, once: a finding reported twice
// would print twice.
func checkOneError(t *testing.T, typeName string, diags []*tfprotov6.Diagnostic, summary, path string) {
	t.Helper()
	found := 0
	var got []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && d.Summary == summary && pathString(d.Attribute) == path {
			found++
		}
		got = append(got, fmt.Sprintf("%s at %q: %s", d.Summary, pathString(d.Attribute), d.Detail))
	}
	if found != 1 {
		t.Errorf("%s: want the error %q at %q once, got:\n  %s", typeName, summary, path, strings.Join(got, "\n  "))
	}
}

// validateResource makes the requests terraform plan makes for a new resource: the node agent's
// DaemonSet rules run on its plan, where its defaults are filled in.
func validateResource(t *testing.T, ctx context.Context, server tfprotov6.ProviderServer, schemas *tfprotov6.GetProviderSchemaResponse, rc resourceCase) []*tfprotov6.Diagnostic {
	t.Helper()
	if rc.typeName == "kubedaemon_node_agent" {
		diags, _ := agentPlanRequests(t, rc.config)
		return diags
	}
	resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: rc.typeName,
		Config:   dynamicValue(t, schemas.ResourceSchemas[rc.typeName].ValueType(), rc.config),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// validate makes the requests Terraform makes, for a provider or import case, before any that
// needs the cluster, and returns their diagnostics.
func (tc invalidCase) validate(t *testing.T, ctx context.Context, server tfprotov6.ProviderServer, schemas *tfprotov6.GetProviderSchemaResponse) []*tfprotov6.Diagnostic {
	t.Helper()
	switch {
	case tc.importID != "":
		resp, err := server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "kubedaemon_daemonset", ID: tc.importID})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	case tc.provider != nil:
		config := dynamicValue(t, schemas.Provider.ValueType(), tc.provider)
		validated, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: config})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(validated.Diagnostics, isError) {
			return validated.Diagnostics
		}
		configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: config})
		if err != nil {
			t.Fatal(err)
		}
		return configured.Diagnostics
	default:
		t.Fatalf("%s: not a provider or import case", tc.name)
		return nil
	}
}

func isError(d *tfprotov6.Diagnostic) bool { return d.Severity == tfprotov6.DiagnosticSeverityError }

func dynamicValue(t *testing.T, typ tftypes.Type, config obj) *tfprotov6.DynamicValue {
	t.Helper()
	value, err := terraformValue(typ, config)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, value)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// terraformValue converts a configuration written as Go values into a value of typ, as Terraform
// would send it: obj for objects and maps (map[string]string too), list for lists and sets, string,
// bool and int, and unknown for a value not known yet; attributes left out are null.
func terraformValue(typ tftypes.Type, v any) (tftypes.Value, error) {
	switch v.(type) {
	case nil:
		return tftypes.NewValue(typ, nil), nil
	case unknownValue:
		return tftypes.NewValue(typ, tftypes.UnknownValue), nil
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		given, ok := v.(obj)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want an object, got %T", v)
		}
		attributes := map[string]tftypes.Value{}
		for name, attrType := range typ.AttributeTypes {
			value, err := terraformValue(attrType, given[name])
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", name, err)
			}
			attributes[name] = value
		}
		for name := range given {
			if _, ok := typ.AttributeTypes[name]; !ok {
				return tftypes.Value{}, fmt.Errorf("the schema has no attribute %q", name)
			}
		}
		return tftypes.NewValue(typ, attributes), nil
	case tftypes.List:
		return elements(typ, typ.ElementType, v)
	case tftypes.Set:
		return elements(typ, typ.ElementType, v)
	case tftypes.Map:
		if strings, ok := v.(map[string]string); ok {
			m := obj{}
			for k, e := range strings {
				m[k] = e
			}
			v = m
		}
		given, ok := v.(obj)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a map, got %T", v)
		}
		values := map[string]tftypes.Value{}
		for key, e := range given {
			value, err := terraformValue(typ.ElementType, e)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%q]: %w", key, err)
			}
			values[key] = value
		}
		return tftypes.NewValue(typ, values), nil
	}
	if n, ok := v.(int); ok {
		v = big.NewFloat(float64(n))
	}
	if err := tftypes.ValidateValue(typ, v); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(typ, v), nil
}

// unknownValue stands for a value Terraform does not know at plan time, e.g. another resource's ID.
type unknownValue struct{}

var unknown unknownValue

func elements(typ, elementType tftypes.Type, v any) (tftypes.Value, error) {
	given, ok := v.(list)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("want a list, got %T", v)
	}
	values := make([]tftypes.Value, len(given))
	for i, e := range given {
		value, err := terraformValue(elementType, e)
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("[%d]: %w", i, err)
		}
		values[i] = value
	}
	return tftypes.NewValue(typ, values), nil
}

// pathString writes an attribute path as spec.containers[0].resources.limits["cpu"].
func pathString(p *tftypes.AttributePath) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, step := range p.Steps() {
		switch step := step.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(step))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", step)
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(step))
		default:
			fmt.Fprintf(&b, "[%v]", step)
		}
	}
	return b.String()
}
