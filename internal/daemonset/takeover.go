package daemonset

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/csaupgrade"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// TakeOver moves every field the previous managers own on live to fieldManager's apply entry, in
// one patch of managedFields guarded by the resource version: client-side managers (any Update
// operation: kubectl apply, kubectl create, Helm, an operator's client) through client-go's
// csaupgrade, server-side ones by the same union. The next server-side apply then owns exactly
// its configuration: a field the configuration leaves out is removed, unless a manager not taken
// from still owns it. Only managedFields change, so no pod restarts. It returns the managers taken
// from (none when there was nothing to move).
func TakeOver(ctx context.Context, cs kubernetes.Interface, live *appsv1.DaemonSet, from []Manager, fieldManager string) ([]Manager, error) {
	obj := live.DeepCopy()
	var taken []Manager
	updaters := sets.New[string]()
	for _, m := range from {
		if m.Name == fieldManager && m.Operation == metav1.ManagedFieldsOperationApply {
			continue
		}
		if !hasEntry(obj.ManagedFields, m) {
			continue
		}
		taken = append(taken, m)
		if m.Operation == metav1.ManagedFieldsOperationUpdate {
			updaters.Insert(m.Name)
		}
	}
	if len(taken) == 0 {
		return nil, nil
	}
	if err := csaupgrade.UpgradeManagedFields(obj, updaters, fieldManager); err != nil {
		return nil, fmt.Errorf("move the fields of %s to %s: %w", strings.Join(sets.List(updaters), ", "), fieldManager, err)
	}
	for _, m := range taken {
		if m.Operation != metav1.ManagedFieldsOperationApply {
			continue
		}
		entries, err := unionApplyEntry(obj.ManagedFields, m.Name, fieldManager)
		if err != nil {
			return nil, err
		}
		obj.ManagedFields = entries
	}
	patch, err := json.Marshal([]map[string]any{
		{"op": "replace", "path": "/metadata/managedFields", "value": obj.ManagedFields},
		// A replace rather than a test, so that a concurrent change is a 409 Conflict from storage.
		{"op": "replace", "path": "/metadata/resourceVersion", "value": obj.ResourceVersion},
	})
	if err != nil {
		return nil, err
	}
	_, err = cs.AppsV1().DaemonSets(live.Namespace).Patch(ctx, live.Name, types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: fieldManager})
	if err != nil {
		return nil, err
	}
	return taken, nil
}

func hasEntry(entries []metav1.ManagedFieldsEntry, m Manager) bool {
	return slices.ContainsFunc(entries, func(e metav1.ManagedFieldsEntry) bool {
		return e.Manager == m.Name && e.Operation == m.Operation && e.Subresource == ""
	})
}

// unionApplyEntry merges the apply entry of manager into fieldManager's apply entry (renaming it
// when fieldManager has none) and drops it.
func unionApplyEntry(entries []metav1.ManagedFieldsEntry, manager, fieldManager string) ([]metav1.ManagedFieldsEntry, error) {
	isApply := func(name string) func(metav1.ManagedFieldsEntry) bool {
		return func(e metav1.ManagedFieldsEntry) bool {
			return e.Manager == name && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == ""
		}
	}
	from := slices.IndexFunc(entries, isApply(manager))
	if from < 0 {
		return entries, nil
	}
	entries = slices.Clone(entries)
	to := slices.IndexFunc(entries, isApply(fieldManager))
	if to < 0 {
		entries[from].Manager = fieldManager
		return entries, nil
	}
	merged, err := unionFields(entries[to].FieldsV1, entries[from].FieldsV1)
	if err != nil {
		return nil, fmt.Errorf("move the fields of %s to %s: %w", manager, fieldManager, err)
	}
	entries[to].FieldsV1 = merged
	return slices.Delete(entries, from, from+1), nil
}

func unionFields(a, b *metav1.FieldsV1) (*metav1.FieldsV1, error) {
	set := fieldpath.NewSet()
	for _, f := range []*metav1.FieldsV1{a, b} {
		s, err := entrySet(metav1.ManagedFieldsEntry{FieldsV1: f})
		if err != nil {
			return nil, err
		}
		set = set.Union(s)
	}
	raw, err := set.ToJSON()
	if err != nil {
		return nil, err
	}
	return metav1.NewFieldsV1(string(raw)), nil
}

// OwnedByOthers names the managers other than fieldManager (and the controllers) that own paths of
// desired on live, and returns those paths.
func OwnedByOthers(live *appsv1.DaemonSet, desired Fields, fieldManager string) ([]string, Fields, error) {
	var owners []string
	contested := fieldpath.NewSet()
	if desired.Empty() {
		return nil, Fields{set: contested}, nil
	}
	for _, entry := range live.ManagedFields {
		if entry.Subresource != "" || entry.Manager == fieldManager || slices.Contains(controllerManagers, entry.Manager) || entry.FieldsV1 == nil {
			continue
		}
		set, err := entrySet(entry)
		if err != nil {
			return nil, Fields{}, err
		}
		both := set.Leaves().Intersection(desired.set.Leaves())
		if !both.Empty() {
			owners = append(owners, Manager{Name: entry.Manager, Operation: entry.Operation}.String())
			contested = contested.Union(both)
		}
	}
	return owners, Fields{set: contested}, nil
}

// entrySet reads the paths of one managedFields entry.
func entrySet(entry metav1.ManagedFieldsEntry) (*fieldpath.Set, error) {
	set := fieldpath.NewSet()
	if entry.FieldsV1 == nil {
		return set, nil
	}
	if err := set.FromJSON(strings.NewReader(entry.FieldsV1.GetRawString())); err != nil {
		return nil, fmt.Errorf("read the managed fields of %s: %w", entry.Manager, err)
	}
	return set, nil
}
