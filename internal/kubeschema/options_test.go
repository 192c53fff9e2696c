package kubeschema

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodTemplateOptions(t *testing.T) {
	o := mustDaemonSetSpec(t)
	template, _ := o.Field("template")
	metadata, _ := template.Object().Field("metadata")
	if got := attributeNames(metadata.Object()); got != "labels,annotations" {
		t.Errorf("template metadata attributes = %s, want labels,annotations", got)
	}
	spec, _ := template.Object().Field("spec")
	for _, skipped := range []string{"service_account", "ephemeral_containers"} {
		if _, ok := spec.Object().Field(skipped); ok {
			t.Errorf("pod spec has %s", skipped)
		}
	}
	if _, ok := spec.Object().Field("service_account_name"); !ok {
		t.Error("pod spec lacks service_account_name")
	}
}

// selfReferential nests itself, which no schema can.
type selfReferential struct {
	Name  string           `json:"name"`
	Child *selfReferential `json:"child"`
}

type mutualA struct {
	B []mutualB `json:"b"`
}

type mutualB struct {
	A map[string]mutualA `json:"a"`
}

type collidingNames struct {
	HostPID  bool `json:"hostPID"`
	HostPid2 bool `json:"hostPid"`
}

type floatField struct {
	Ratio float64 `json:"ratio"`
}

func TestNewObjectErrors(t *testing.T) {
	cases := []struct {
		name   string
		goType reflect.Type
		opts   Options
		want   string
	}{
		{"self reference", reflect.TypeFor[selfReferential](), Options{}, "selfReferential contains itself"},
		{"mutual reference", reflect.TypeFor[mutualA](), Options{}, "mutualA contains itself"},
		{"name collision", reflect.TypeFor[collidingNames](), Options{}, `both become attribute "host_pid"`},
		{"unsupported kind", reflect.TypeFor[floatField](), Options{}, "ratio: Go type float64"},
		{"not a struct", reflect.TypeFor[[]string](), Options{}, "is not a struct type"},
		{"own JSON form", reflect.TypeFor[corev1.PodSpec](), Options{}, "managedFields[].fieldsV1: type v1.FieldsV1 has its own JSON form"},
		{"unknown option name", reflect.TypeFor[corev1.Container](), Options{Skip: map[reflect.Type][]string{reflect.TypeFor[corev1.Container](): {"imageName"}}}, `Options name field "imageName"`},
		{"unknown only name", reflect.TypeFor[metav1.LabelSelector](), Options{Only: map[reflect.Type][]string{reflect.TypeFor[metav1.LabelSelector](): {"labels"}}}, `Options name field "labels"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewObject(tc.goType, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func attributeNames(o *Object) string {
	var names []string
	for _, f := range o.Fields() {
		names = append(names, f.AttributeName())
	}
	return strings.Join(names, ",")
}

type timed struct {
	At    metav1.Time     `json:"at"`
	Every metav1.Duration `json:"every"`
	Since *metav1.Time    `json:"since,omitempty"`
}

// Times and durations are strings in the schema and travel in the form their own JSON methods use.
func TestTimesAreStrings(t *testing.T) {
	ctx := t.Context()
	o, err := NewObject(reflect.TypeFor[timed](), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range o.Attributes() {
		if !a.GetType().Equal(types.StringType) {
			t.Errorf("%s: type %s, want string", name, a.GetType())
		}
	}
	plan := planValue(t, o, obj{"at": "2026-01-02T03:04:05Z", "every": "1h30m0s"})
	var got timed
	if diags := o.ToApplyConfiguration(ctx, path.Root("timed"), plan, &got); diags.HasError() {
		t.Fatal(diags)
	}
	want := timed{At: metav1.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Every: metav1.Duration{Duration: 90 * time.Minute}}
	if !got.At.Equal(&want.At) || got.Every != want.Every || got.Since != nil {
		t.Errorf("got %+v, want %+v", got, want)
	}
	back, diags := o.FromApplyConfiguration(ctx, path.Root("timed"), got)
	if diags.HasError() {
		t.Fatal(diags)
	}
	assertSameValue(t, back, plan)
}

// ObjectMeta builds whole once its managedFields, which hold opaque field sets, are left out.
func TestObjectMetaWithoutManagedFields(t *testing.T) {
	meta := reflect.TypeFor[metav1.ObjectMeta]()
	o, err := NewObject(meta, Options{Skip: map[reflect.Type][]string{meta: {"managedFields"}}})
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := o.Field("creation_timestamp"); !ok || !f.shape.typ.Equal(types.StringType) {
		t.Errorf("creation_timestamp: %v", f)
	}
}
