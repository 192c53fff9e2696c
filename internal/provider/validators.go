package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// ruleValidator applies one of the engine's rules about a single value to an attribute that holds
// such a value, at plan time with the attribute path.
type ruleValidator struct{ daemonset.StringRule }

func (v ruleValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a valid %s (%s)", v.What, v.Expected)
}

func (v ruleValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v ruleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := v.Problem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, v.Summary(), problem)
	}
}

// defaultNamespace is the namespace of a DaemonSet whose configuration names none, as for kubectl.
const defaultNamespace = "default"

// timeoutRule checks a timeout given as a Go duration.
var timeoutRule = daemonset.StringRule{
	What:     "timeout",
	Expected: `a positive Go duration such as "10m", "90s" or "1h30m"`,
	Check: func(s string) []string {
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
	objectNameRule = daemonset.StringRule{
		What:     "Kubernetes object name",
		Expected: "lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters",
		Check:    validation.IsDNS1123Subdomain,
	}
	namespaceRule = daemonset.StringRule{
		What:     "namespace",
		Expected: "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
		Check:    validation.IsDNS1123Label,
	}
)

// identityProblem checks the namespace and name that identify an object, and explains the first
// that breaks the API server's rules; it is empty when both are valid.
func identityProblem(namespace, name string) string {
	if problem := namespaceRule.Problem(namespace); problem != "" {
		return problem
	}
	return objectNameRule.Problem(name)
}

// nameValidator checks object names such as a DaemonSet's.
func nameValidator() validator.String { return ruleValidator{objectNameRule} }

// namespaceValidator checks namespace names.
func namespaceValidator() validator.String { return ruleValidator{namespaceRule} }

// reasonList renders a reason vocabulary for attribute descriptions.
func reasonList(reasons []coverage.Reason) string {
	quoted := make([]string, len(reasons))
	for i, r := range reasons {
		quoted[i] = "`" + string(r) + "`"
	}
	return strings.Join(quoted, ", ")
}

// labelsValidator checks a label map with the engine's rule, the API server's own.
func labelsValidator() validator.Map {
	return mapValidator{description: "label keys and values must be valid Kubernetes labels", check: daemonset.LabelFindings}
}

// annotationsValidator checks an annotation map with the engine's rule, the API server's own.
func annotationsValidator() validator.Map {
	return mapValidator{description: "annotation keys must be valid qualified names, total size at most 256 KiB", check: daemonset.AnnotationFindings}
}

// objectAnnotationsValidator checks the DaemonSet's own annotations: annotationsValidator's rule,
// and the key the provider records its configuration under.
func objectAnnotationsValidator() validator.Map {
	return mapValidator{description: "annotation keys must be valid qualified names, total size at most 256 KiB, other than " + daemonset.AppliedAnnotation, check: daemonset.ObjectAnnotationFindings}
}

type mapValidator struct {
	description string
	check       func(daemonset.Path, map[string]string) daemonset.Findings
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
	addFindings(&resp.Diagnostics, v.check(nil, known), func(p daemonset.Path) path.Path { return below(req.Path, p) }, nil)
}

// portValidator applies the engine's port number rule to an attribute that holds one.
type portValidator struct{}

func (portValidator) Description(context.Context) string {
	return "must be a port number from 1 to 65535"
}
func (v portValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (portValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := daemonset.PortNumberProblem(req.ConfigValue.ValueInt64()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, daemonset.PortNumberSummary, problem)
	}
}
