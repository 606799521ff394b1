package schema_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator/schema"
)

func TestRulesetIsJSONWithItsID(t *testing.T) {
	var doc struct {
		Schema string `json:"$schema"`
		ID     string `json:"$id"`
	}
	require.NoError(t, json.Unmarshal(schema.Ruleset(), &doc))
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", doc.Schema)
	assert.Equal(t, schema.ID, doc.ID)
	b := schema.Ruleset()
	b[0] = 'x'
	assert.Equal(t, byte('{'), schema.Ruleset()[0], "Ruleset returns a copy")
}
