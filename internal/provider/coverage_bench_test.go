package provider

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// BenchmarkCoverageRead reads the coverage of a DaemonSet covering 5,000 nodes from a fake
// clientset side by side: through the internal read (rollout.Snapshot) and through the data source
// as Terraform calls it (ReadDataSource of the protocol server, its response encoded), as written
// by default (no node listed: all are covered) and with every node listed. The difference is what the provider and the framework add to the read; cmd/bench
// measures the same read against a real API server, with Terraform's own share.
func BenchmarkCoverageRead(b *testing.B) {
	const nodes = 5000
	cs := fake.NewClientset(coverageFixture(nodes)...)
	ctx := context.Background()
	b.Run("internal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, r, err := rollout.Snapshot(ctx, cs, "bench", "agent", nil, coverage.Options{}); err != nil || r.Covered != nodes {
				b.Fatalf("covered %d of %d: %v", r.Covered, nodes, err)
			}
		}
	})
	for _, all := range []bool{false, true} {
		b.Run(fmt.Sprintf("data source, list_all_nodes %v", all), func(b *testing.B) {
			server, config := coverageServer(b, cs, all)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "kubedaemon_coverage", Config: config})
				if err != nil || len(resp.Diagnostics) > 0 || len(resp.State.MsgPack) == 0 {
					b.Fatalf("read: %v %v", err, resp.Diagnostics)
				}
			}
		})
	}
}

// withClient is the provider configured with a client of the caller's instead of one built from
// its configuration.
type withClient struct {
	provider.Provider
	client *kubeclient.Client
}

func (p withClient) Configure(_ context.Context, _ provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	resp.DataSourceData, resp.ResourceData = p.client, p.client
}

// coverageServer is a configured protocol server over cs, and the data source's configuration
// that reads the fixture's DaemonSet, every node listed or not.
func coverageServer(b *testing.B, cs *fake.Clientset, all bool) (tfprotov6.ProviderServer, *tfprotov6.DynamicValue) {
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(withClient{Provider: New("bench")(), client: &kubeclient.Client{Clientset: cs}})()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	providerType := schemas.Provider.ValueType()
	providerConfig, err := tfprotov6.NewDynamicValue(providerType, tftypes.NewValue(providerType, nil))
	if err != nil {
		b.Fatal(err)
	}
	if resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &providerConfig}); err != nil || len(resp.Diagnostics) > 0 {
		b.Fatalf("configure: %v %v", err, resp.Diagnostics)
	}
	typ, ok := schemas.DataSourceSchemas["kubedaemon_coverage"].ValueType().(tftypes.Object)
	if !ok {
		b.Fatal("the data source's schema is not an object")
	}
	attributes := map[string]tftypes.Value{}
	for name, t := range typ.AttributeTypes {
		attributes[name] = tftypes.NewValue(t, nil)
	}
	attributes["namespace"] = tftypes.NewValue(tftypes.String, "bench")
	attributes["name"] = tftypes.NewValue(tftypes.String, "agent")
	attributes["list_all_nodes"] = tftypes.NewValue(tftypes.Bool, all)
	config, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, attributes))
	if err != nil {
		b.Fatal(err)
	}
	return server, &config
}

// coverageFixture is a DaemonSet of one revision, nodes Ready nodes and on each a Ready pod of
// that revision.
func coverageFixture(nodes int) []runtime.Object {
	labels := map[string]string{"app": "agent"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "bench", UID: "ds-uid", Generation: 1},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "agent:1"}}},
			},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
		},
		Status: appsv1.DaemonSetStatus{ObservedGeneration: 1},
	}
	owner := *metav1.NewControllerRef(ds, appsv1.SchemeGroupVersion.WithKind("DaemonSet"))
	const hash = "5d8f7c6b9"
	objects := []runtime.Object{ds, &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "agent-" + hash, Namespace: "bench", OwnerReferences: []metav1.OwnerReference{owner},
			Labels: map[string]string{"app": "agent", appsv1.DefaultDaemonSetUniqueLabelKey: hash}},
		Revision: 1,
	}}
	since := metav1.NewTime(time.Now().Add(-time.Hour))
	for i := range nodes {
		name := fmt.Sprintf("node-%05d", i)
		objects = append(objects,
			&corev1.Node{
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
				Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastTransitionTime: since}}},
			},
			&corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "agent-" + name, Namespace: "bench", OwnerReferences: []metav1.OwnerReference{owner},
					Labels: map[string]string{"app": "agent", appsv1.DefaultDaemonSetUniqueLabelKey: hash}},
				Spec: corev1.PodSpec{NodeName: name},
				Status: corev1.PodStatus{Phase: corev1.PodRunning,
					Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: since}}},
			})
	}
	return objects
}
