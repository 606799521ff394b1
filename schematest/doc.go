// Package schematest checks that the JSON Schema of ruleset documents
// (evaluator/schema) and the parser (evaluator.Parse) agree on every
// ruleset in the repository. It is a module of its own so that the
// schema validator it uses is no dependency of Switchyard.
package schematest
