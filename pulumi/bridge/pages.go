package bridge

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The bridge reads these descriptions only from registry pages, never from the provider's schema:
//   - the description of a resource or data source as a whole;
//   - the descriptions of a data source's arguments and results.
//
// writePages renders, from the provider's GetProviderSchema response (what Terraform itself sees),
// one page per resource and data source in the layout of a provider repository (docs/resources,
// docs/data-sources) under dir. The bridge parses the pages as it parses published ones, so the
// texts get the same treatment as the descriptions it takes from the schema: Terraform names become
// Pulumi names per language, and passages about Terraform itself are dropped.
func writePages(ctx context.Context, dir string, p fwprovider.Provider) error {
	resp, err := providerserver.NewProtocol6(p)().GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return err
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return fmt.Errorf("provider schema: %s: %s", d.Summary, d.Detail)
		}
	}
	for name, s := range resp.ResourceSchemas {
		if err := writePage(filepath.Join(dir, "docs", "resources"), name, resourcePage(name, s.Block)); err != nil {
			return err
		}
	}
	for name, s := range resp.DataSourceSchemas {
		if err := writePage(filepath.Join(dir, "docs", "data-sources"), name, dataSourcePage(name, s.Block)); err != nil {
			return err
		}
	}
	return nil
}

func writePage(dir, name, page string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".md"), []byte(page), 0o644)
}

// resourcePage has the front matter, title and description of a page. The bridge takes the
// descriptions of a resource's properties from the schema.
func resourcePage(name string, b *tfprotov6.SchemaBlock) string {
	return fmt.Sprintf("---\n---\n\n# %s\n\n%s\n", name, b.Description)
}

// dataSourcePage adds an attribute list to the page, every attribute under its full path
// (`nodes.name`). The full paths matter: the bridge looks a nested property up by its path and then
// by ever shorter suffixes of it, so a page listing only top-level attributes would give a nested
// `name` the description of the top-level `name`.
func dataSourcePage(name string, b *tfprotov6.SchemaBlock) string {
	var page strings.Builder
	page.WriteString(resourcePage(name, b))
	page.WriteString("\n## Attributes Reference\n\n")
	listBlock(&page, "", b)
	return page.String()
}

func listBlock(page *strings.Builder, prefix string, b *tfprotov6.SchemaBlock) {
	for _, a := range b.Attributes {
		listAttribute(page, prefix+a.Name, a.Description)
		if a.NestedType != nil {
			for _, nested := range a.NestedType.Attributes {
				listNested(page, prefix+a.Name+".", nested)
			}
		}
	}
	for _, nb := range b.BlockTypes {
		listAttribute(page, prefix+nb.TypeName, nb.Block.Description)
		listBlock(page, prefix+nb.TypeName+".", nb.Block)
	}
}

func listNested(page *strings.Builder, prefix string, a *tfprotov6.SchemaAttribute) {
	listAttribute(page, prefix+a.Name, a.Description)
	if a.NestedType != nil {
		for _, nested := range a.NestedType.Attributes {
			listNested(page, prefix+a.Name+".", nested)
		}
	}
}

// listAttribute writes one bullet. An attribute without a description is left out, so that the
// bridge falls back to the schema rather than to the description of a shorter path.
func listAttribute(page *strings.Builder, path, description string) {
	if description == "" {
		return
	}
	// A blank line would end the bullet; the bridge joins the remaining lines of a bullet.
	description = strings.Join(strings.Fields(strings.ReplaceAll(description, "\n\n", "\n")), " ")
	fmt.Fprintf(page, "* `%s` - %s\n", path, description)
}
