// Package schema holds the JSON Schema (draft 2020-12) of Switchyard
// ruleset documents, schemaVersion 1, so that editors can complete and
// check ruleset files. A document may name it with a top-level "$schema"
// member, the one field the parser accepts and ignores.
//
// The schema checks a document's shape. Rules that need the whole
// document (references to variants, flags and segments, prerequisite
// cycles, unique rule ids, weights that add up) are checked by
// evaluator.Parse only.
package schema

import _ "embed"

// ID is the schema's $id, the value to give a document's "$schema".
const ID = "https://github.com/switchyardhq/switchyard/evaluator/schema/ruleset.schema.json"

//go:embed ruleset.schema.json
var ruleset []byte

// Ruleset returns the schema document; the caller owns the copy.
func Ruleset() []byte { return append([]byte(nil), ruleset...) }
