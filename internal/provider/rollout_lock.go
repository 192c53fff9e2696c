package provider

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

// lockMargin is how long a rollout lock outlives the operation that took it, so that the lock of
// an apply still returning is never taken; a killed apply's lock goes that much after its timeout.
const lockMargin = time.Minute

// lockRollout takes the rollout lock of the DaemonSet namespace/name for an operation of at most
// hold, so that two applies never drive one rollout at once; the second fails at once, naming the
// first. It returns the release to defer, and false (with the error in diags) when it cannot.
func lockRollout(ctx context.Context, client *kubeclient.Client, namespace, name string, uid types.UID, hold time.Duration, diags *diag.Diagnostics) (func(), bool) {
	holder := lockHolder()
	release, err := daemonset.Lock(ctx, client.Clientset, namespace, name, uid, holder, hold+lockMargin)
	var held *daemonset.HeldError
	switch {
	case apierrors.IsNotFound(err):
		diags.AddError(fmt.Sprintf("DaemonSet %s/%s not found", namespace, name), "There is no DaemonSet "+namespace+"/"+name+
			": it was deleted outside Terraform, or the namespace and name are not the ones meant.")
		return nil, false
	case errors.As(err, &held):
		diags.AddError(fmt.Sprintf("DaemonSet %s/%s is being rolled out by another apply", namespace, name), held.Error())
		return nil, false
	case err != nil:
		diags.AddError(fmt.Sprintf("Cannot take the rollout lock of DaemonSet %s/%s", namespace, name), client.ExplainError(err).Error())
		return nil, false
	}
	tflog.Debug(ctx, "took the rollout lock", map[string]any{"daemonset": namespace + "/" + name, "holder": holder})
	return release, true
}

// lockHolder names this operation for the apply that finds the lock taken: the machine and process
// it runs in, and a token of its own, since one provider process runs many operations.
func lockHolder() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown host"
	}
	return fmt.Sprintf("%s, pid %d, operation %s", host, os.Getpid(), rand.Text()[:8])
}
