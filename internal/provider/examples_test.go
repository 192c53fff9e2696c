package provider

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExamples checks every directory under examples/ that holds .tf files the way a user meets it:
// `terraform fmt -check` and `terraform validate` against the provider built from this tree. The docs
// embed these files, so a wrong attribute name or type fails here rather than on the registry.
// Validation runs without `terraform init` and without a cluster: dev_overrides point Terraform at
// the built binary and validate never configures the provider.
func TestExamples(t *testing.T) {
	terraformPath := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraformPath == "" {
		found, err := exec.LookPath("terraform")
		if err != nil {
			t.Skip("terraform is not on PATH; the examples are checked where it is (CI installs it)")
		}
		terraformPath = found
	}
	// Actions are Terraform 1.14's: an older CLI cannot read their examples.
	actions := !terraformOlderThan(t, terraformPath, "1.14.0")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dirs := exampleDirs(t, filepath.Join(root, "examples"))
	if len(dirs) == 0 {
		t.Fatal("no examples found under examples/")
	}

	pluginDir := t.TempDir()
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(pluginDir, "terraform-provider-kubedaemon"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}

	// Examples written for the docs omit required_providers, so Terraform reads their provider as
	// hashicorp/kubedaemon; both addresses are overridden with the binary just built.
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	err = os.WriteFile(cliConfig, fmt.Appendf(nil, `provider_installation {
  dev_overrides {
    "kubedaemon/kubedaemon" = %[1]q
    "hashicorp/kubedaemon"  = %[1]q
  }
  direct {}
}
`, pluginDir), 0o600)
	if err != nil {
		t.Fatal(err)
	}

	for _, dir := range dirs {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			if strings.HasPrefix(filepath.ToSlash(rel), "examples/actions/") && !actions {
				t.Skip("actions need Terraform 1.14 or later")
			}
			t.Parallel()
			// A data directory of its own keeps the examples free of .terraform folders.
			env := append(os.Environ(),
				"TF_CLI_CONFIG_FILE="+cliConfig,
				"TF_DATA_DIR="+filepath.Join(t.TempDir(), ".terraform"),
				"TF_IN_AUTOMATION=1",
				"CHECKPOINT_DISABLE=1",
			)
			run := func(args ...string) (string, error) {
				cmd := exec.CommandContext(t.Context(), terraformPath, args...)
				cmd.Dir = dir
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := run("fmt", "-check", "-diff", "-no-color"); err != nil {
				t.Errorf("%s is not formatted (run `make generate`): %v\n%s", rel, err, out)
			}
			if out, err := run("validate", "-no-color"); err != nil {
				t.Errorf("terraform validate in %s: %v\n%s", rel, err, out)
			}
		})
	}
}

// exampleDirs lists, sorted, the directories under root that directly hold .tf files.
func exampleDirs(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".tf") {
			if dir := filepath.Dir(path); !slices.Contains(dirs, dir) {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(dirs)
	return dirs
}
