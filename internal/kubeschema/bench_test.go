package kubeschema

import (
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
)

func BenchmarkNewObject(b *testing.B) {
	for _, bc := range []struct {
		name   string
		goType reflect.Type
	}{
		{"DaemonSetSpec", reflect.TypeFor[appsv1.DaemonSetSpec]()},
		{"PodSpec", reflect.TypeFor[corev1.PodSpec]()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := NewObject(bc.goType, PodTemplateOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkToApplyConfiguration(b *testing.B) {
	ctx := b.Context()
	o := mustDaemonSetSpec(b)
	plan := planValue(b, o, nodeAgentConfig())
	for b.Loop() {
		var ac appsv1ac.DaemonSetSpecApplyConfiguration
		if diags := o.ToApplyConfiguration(ctx, path.Root("spec"), plan, &ac); diags.HasError() {
			b.Fatal(diags)
		}
	}
}

func BenchmarkFromApplyConfiguration(b *testing.B) {
	ctx := b.Context()
	o := mustDaemonSetSpec(b)
	var ac appsv1ac.DaemonSetSpecApplyConfiguration
	if diags := o.ToApplyConfiguration(ctx, path.Root("spec"), planValue(b, o, nodeAgentConfig()), &ac); diags.HasError() {
		b.Fatal(diags)
	}
	for b.Loop() {
		if _, diags := o.FromApplyConfiguration(ctx, path.Root("spec"), &ac); diags.HasError() {
			b.Fatal(diags)
		}
	}
}
