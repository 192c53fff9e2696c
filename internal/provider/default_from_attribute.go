package provider

import (
	"context"

	fwpath "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// defaultFromAttribute plans an unset string as the planned value of another attribute, named by an
// expression relative to this one: mount_path defaults to its path, service_account_name to name.
func defaultFromAttribute(from fwpath.Expression) planmodifier.String {
	return defaultFromAttributeModifier{from: from}
}

type defaultFromAttributeModifier struct {
	from fwpath.Expression
}

func (m defaultFromAttributeModifier) Description(context.Context) string {
	return "defaults to the value of " + m.from.String()
}

func (m defaultFromAttributeModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m defaultFromAttributeModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	paths, diags := req.Plan.PathMatches(ctx, req.PathExpression.Merge(m.from))
	resp.Diagnostics.Append(diags...)
	if len(paths) != 1 {
		return
	}
	var value types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, paths[0], &value)...)
	resp.PlanValue = value
}
