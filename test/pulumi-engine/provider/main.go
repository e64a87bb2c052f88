// The Pulumi Kubernetes provider plugin (pulumi-resource-kubernetes), built
// from the provider's Go module at the version go.mod pins. Upstream's main is
// the same call; upstream generates schema-embed.json with the version set,
// here build.sh copies schema.json and terraform-mapping.json from the module
// (verified by go.sum) next to this file and the version is set at start.
package main

import (
	"bytes"
	_ "embed"
	"encoding/json"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, withVersion(schema, version.Version), terraformMapping)
}

// withVersion adds the top-level "version" key (absent from the module's
// schema.json) without re-encoding the 7 MB schema.
func withVersion(schema []byte, v string) []byte {
	quoted, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	body := bytes.TrimLeft(schema, " \t\r\n")
	if len(body) == 0 || body[0] != '{' {
		panic("schema.json is not a JSON object")
	}
	out := append([]byte(`{"version":`), quoted...)
	out = append(out, ',')
	return append(out, body[1:]...)
}
