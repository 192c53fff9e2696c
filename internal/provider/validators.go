package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// kubeStringValidator checks a string with one of apimachinery's validation functions, so the
// rules are exactly the API server's, and reports them at plan time with the attribute path.
type kubeStringValidator struct {
	what     string
	expected string
	check    func(string) []string
}

func (v kubeStringValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a valid %s (%s)", v.what, v.expected)
}

func (v kubeStringValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v kubeStringValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := v.problem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.what, problem)
	}
}

// problem explains why value breaks the rule, or is empty when it does not.
func (v kubeStringValidator) problem(value string) string {
	problems := v.check(value)
	if len(problems) == 0 {
		return ""
	}
	return fmt.Sprintf("%q is not a valid %s: %s. Expected %s.", value, v.what, strings.Join(problems, "; "), v.expected)
}

// defaultNamespace is the namespace of a DaemonSet whose configuration names none, as for kubectl.
const defaultNamespace = "default"

// timeoutRule checks a timeout given as a Go duration.
var timeoutRule = kubeStringValidator{
	what:     "timeout",
	expected: `a positive Go duration such as "10m", "90s" or "1h30m"`,
	check: func(s string) []string {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			return []string{"not a duration"}
		case d <= 0:
			return []string{"not positive"}
		}
		return nil
	},
}

// The API server's rules for object names (DNS-1123 subdomains) and namespace names (DNS-1123
// labels), shared by the attribute validators and the import ID parser.
var (
	objectNameRule = kubeStringValidator{
		what:     "Kubernetes object name",
		expected: "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters",
		check:    validation.IsDNS1123Subdomain,
	}
	namespaceRule = kubeStringValidator{
		what:     "namespace",
		expected: "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
		check:    validation.IsDNS1123Label,
	}
)

// identityProblem checks the namespace and name that identify an object, and explains the first
// that breaks the API server's rules; it is empty when both are valid.
func identityProblem(namespace, name string) string {
	if problem := namespaceRule.problem(namespace); problem != "" {
		return problem
	}
	return objectNameRule.problem(name)
}

// nameValidator checks object names such as a DaemonSet's.
func nameValidator() validator.String { return objectNameRule }

// namespaceValidator checks namespace names.
func namespaceValidator() validator.String { return namespaceRule }

// reasonList renders a reason vocabulary for attribute descriptions.
func reasonList(reasons []coverage.Reason) string {
	quoted := make([]string, len(reasons))
	for i, r := range reasons {
		quoted[i] = "`" + string(r) + "`"
	}
	return strings.Join(quoted, ", ")
}

// labelsValidator checks a label map with the API server's own rules.
func labelsValidator() validator.Map {
	return mapValidator{description: "label keys and values must be valid Kubernetes labels", check: checkLabels}
}

// annotationsValidator checks an annotation map with the API server's own rules.
func annotationsValidator() validator.Map {
	return mapValidator{description: "annotation keys must be valid qualified names, total size at most 256 KiB", check: checkAnnotations}
}

type mapValidator struct {
	description string
	check       func(path.Path, map[string]string) diag.Diagnostics
}

func (v mapValidator) Description(context.Context) string             { return v.description }
func (v mapValidator) MarkdownDescription(ctx context.Context) string { return v.description }

func (v mapValidator) ValidateMap(ctx context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	values := map[string]types.String{}
	resp.Diagnostics.Append(req.ConfigValue.ElementsAs(ctx, &values, false)...)
	known := map[string]string{}
	for k, s := range values {
		if !s.IsUnknown() {
			known[k] = s.ValueString()
		}
	}
	resp.Diagnostics.Append(v.check(req.Path, known)...)
}

func checkLabels(at path.Path, labels map[string]string) diag.Diagnostics {
	return checkEachKey(at, labels, func(one map[string]string) field.ErrorList {
		return metav1validation.ValidateLabels(one, field.NewPath("labels"))
	}, "Invalid label", "Label keys are an optional DNS-subdomain prefix and '/' then a name of at most 63 characters "+
		"(letters, digits, '-', '_', '.'); values are at most 63 such characters, or empty.")
}

func checkAnnotations(at path.Path, annotations map[string]string) diag.Diagnostics {
	diags := checkEachKey(at, annotations, func(one map[string]string) field.ErrorList {
		return apivalidation.ValidateAnnotations(one, field.NewPath("annotations"))
	}, "Invalid annotation", "Annotation keys are an optional DNS-subdomain prefix and '/' then a name of at most 63 characters.")
	if err := apivalidation.ValidateAnnotationsSize(annotations); err != nil {
		diags.AddAttributeError(at, "Annotations too large", err.Error())
	}
	return diags
}

// checkEachKey validates one entry at a time so that each error points at its own map key.
func checkEachKey(at path.Path, m map[string]string, validate func(map[string]string) field.ErrorList, summary, expected string) diag.Diagnostics {
	var diags diag.Diagnostics
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, e := range validate(map[string]string{k: m[k]}) {
			diags.AddAttributeError(at.AtMapKey(k), summary, fmt.Sprintf("%q: %s. %s", k, e.ErrorBody(), expected))
		}
	}
	return diags
}
