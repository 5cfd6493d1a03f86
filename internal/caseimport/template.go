package caseimport

import _ "embed"

// Template is the documented template, examples/import-template.csv: the
// columns in their order, and rows for a family visit with an extension, a
// US admission and two Schengen trips.
//
//go:embed template.csv
var Template []byte
