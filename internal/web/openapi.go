package web

import _ "embed"

// openAPIDoc describes the API; TestOpenAPIMatchesRoutes keeps it and the
// route table in step.
//
//go:embed openapi.json
var openAPIDoc []byte
