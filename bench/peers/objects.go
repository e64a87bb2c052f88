package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// readObjects parses every .yaml/.yml/.json file of dir (multi-document YAML
// allowed), in name order, and gives namespaced objects without a namespace
// the default one (what kubectl's builder and kustomize's namespace do).
func readObjects(dir, namespace string, mapper meta.RESTMapper) ([]*unstructured.Unstructured, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--dir: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if ext := strings.ToLower(filepath.Ext(e.Name())); !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var objs []*unstructured.Unstructured
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for doc := 1; ; doc++ {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s document %d: %w", name, doc, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			gvk := u.GroupVersionKind()
			if gvk.Kind == "" || u.GetName() == "" {
				return nil, fmt.Errorf("%s document %d: expected an object with kind and metadata.name", name, doc)
			}
			mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				return nil, fmt.Errorf("%s document %d (%s %s): %w", name, doc, gvk.Kind, u.GetName(), err)
			}
			if mapping.Scope.Name() == meta.RESTScopeNameNamespace && u.GetNamespace() == "" {
				u.SetNamespace(namespace)
			}
			objs = append(objs, u)
		}
	}
	return objs, nil
}
