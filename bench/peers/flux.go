package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/normalize"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const fluxGroup = "kustomize.toolkit.fluxcd.io"

// fluxInventory is kustomize-controller's status.inventory, kept in a file:
// the ids (ObjMetadata strings) and versions of what the last apply applied.
type fluxInventory struct {
	Entries []fluxEntry `json:"entries"`
}

type fluxEntry struct {
	ID      string `json:"id"`
	Version string `json:"v"`
}

// runFluxSSA applies as kustomize-controller's reconcile() and apply() do
// (internal/controller/kustomization_controller.go): ssa.ResourceManager with
// field manager "kustomize-controller", the Kustomization's owner labels on
// every object, normalize.UnstructuredList, its exclusion/if-not-present/force
// selectors and metadata cleanup, --concurrency dry-run checks at once
// (--concurrent-ssa, default 4), then ApplyAllStaged; with --wait, WaitForSet on the change set (5 s polls); with
// --prune, DeleteAll of the previous inventory's objects missing now.
func runFluxSSA(ctx context.Context, o options, flags *genericclioptions.ConfigFlags, objs []*unstructured.Unstructured, r *result) error {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return fmt.Errorf("rest config: %w", err)
	}
	mapper, err := flags.ToRESTMapper()
	if err != nil {
		return fmt.Errorf("REST mapper: %w", err)
	}
	kube, err := client.New(cfg, client.Options{Mapper: mapper})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	manager := ssa.NewResourceManager(kube, polling.NewStatusPoller(kube, mapper, polling.Options{}), ssa.Owner{Field: "kustomize-controller", Group: fluxGroup})
	manager.SetConcurrency(o.concurrency)
	owner := ownerName(o.inventory)
	manager.SetOwnerLabels(objs, owner, o.namespace)
	previous, err := readFluxInventory(o.inventory)
	if err != nil {
		return err
	}

	if err := normalize.UnstructuredList(objs); err != nil {
		return fmt.Errorf("normalize: %w", err)
	}
	changes, err := manager.ApplyAllStaged(ctx, objs, fluxApplyOptions())
	if changes != nil {
		for _, e := range changes.Entries {
			switch e.Action {
			case ssa.CreatedAction, ssa.ConfiguredAction:
				r.Applied++
			case ssa.UnchangedAction:
				r.Unchanged++
			}
		}
	}
	if err != nil {
		return fmt.Errorf("ApplyAllStaged: %w", err)
	}
	current := fluxInventory{Entries: make([]fluxEntry, 0, len(changes.Entries))}
	for _, e := range changes.Entries {
		current.Entries = append(current.Entries, fluxEntry{ID: e.ObjMetadata.String(), Version: e.GroupVersion})
	}
	if o.wait > 0 {
		if err := manager.WaitForSet(changes.ToObjMetadataSet(), ssa.WaitOptions{Interval: 5 * time.Second, Timeout: o.wait}); err != nil {
			return fmt.Errorf("WaitForSet: %w", err)
		}
	}
	if o.prune {
		stale, err := staleObjects(previous, current)
		if err != nil {
			return err
		}
		deleted, err := manager.DeleteAll(ctx, stale, ssa.DeleteOptions{
			PropagationPolicy: metav1.DeletePropagationBackground,
			Inclusions:        manager.GetOwnerLabels(owner, o.namespace),
			Exclusions:        map[string]string{fluxGroup + "/prune": "disabled", fluxGroup + "/reconcile": "disabled"},
		})
		if deleted != nil {
			for _, e := range deleted.Entries {
				if e.Action == ssa.DeletedAction {
					r.Pruned++
				}
			}
		}
		if err != nil {
			return fmt.Errorf("DeleteAll: %w", err)
		}
	}
	return writeFluxInventory(o.inventory, current)
}

func fluxApplyOptions() ssa.ApplyOptions {
	opts := ssa.DefaultApplyOptions()
	opts.ExclusionSelector = map[string]string{fluxGroup + "/reconcile": "disabled", fluxGroup + "/ssa": "Ignore"}
	opts.IfNotPresentSelector = map[string]string{fluxGroup + "/ssa": "IfNotPresent"}
	opts.ForceSelector = map[string]string{fluxGroup + "/force": "enabled"}
	opts.Cleanup = ssa.ApplyCleanupOptions{
		Annotations: []string{"kubectl.kubernetes.io/last-applied-configuration", fluxGroup + "/checksum", "fluxcd.io/sync-checksum"},
		Labels:      []string{"fluxcd.io/sync-gc-mark"},
		FieldManagers: []ssa.FieldManager{
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationApply},
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationUpdate},
			{Name: "before-first-apply", OperationType: metav1.ManagedFieldsOperationUpdate},
			{Name: "kustomize-controller", OperationType: metav1.ManagedFieldsOperationUpdate},
		},
		Exclusions: map[string]string{fluxGroup + "/ssa": "Merge"},
	}
	return opts
}

// ownerName is the stand-in Kustomization's name: the inventory file's base name.
func ownerName(inventoryFile string) string {
	return filepath.Base(inventoryFile[:len(inventoryFile)-len(filepath.Ext(inventoryFile))])
}

func readFluxInventory(file string) (fluxInventory, error) {
	var inv fluxInventory
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return inv, nil
	}
	if err != nil {
		return inv, fmt.Errorf("inventory %s: %w", file, err)
	}
	if err := json.Unmarshal(data, &inv); err != nil {
		return inv, fmt.Errorf("inventory %s: not JSON {entries: [{id, v}]}: %w", file, err)
	}
	return inv, nil
}

func writeFluxInventory(file string, inv fluxInventory) error {
	data, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	return os.WriteFile(file, data, 0o644)
}

// staleObjects is kustomize-controller's inventory diff: entries of the
// previous inventory absent from the current one, as objects to delete.
func staleObjects(previous, current fluxInventory) ([]*unstructured.Unstructured, error) {
	now := make(map[string]bool, len(current.Entries))
	for _, e := range current.Entries {
		now[e.ID] = true
	}
	var stale []*unstructured.Unstructured
	for _, e := range previous.Entries {
		if now[e.ID] {
			continue
		}
		id, err := object.ParseObjMetadata(e.ID)
		if err != nil {
			return nil, fmt.Errorf("inventory entry %q: %w", e.ID, err)
		}
		// As kustomize-controller's inventory: the id holds the group, the entry the version.
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(schema.GroupVersionKind{Group: id.GroupKind.Group, Version: e.Version, Kind: id.GroupKind.Kind})
		u.SetName(id.Name)
		u.SetNamespace(id.Namespace)
		stale = append(stale, u)
	}
	return stale, nil
}
