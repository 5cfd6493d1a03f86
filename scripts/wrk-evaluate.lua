-- wrk script: POST /v1/evaluate with a 6-trip Schengen history.
-- wrk -t2 -c32 -d20s --latency -s scripts/wrk-evaluate.lua http://127.0.0.1:8080/v1/evaluate
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"as_of":"2026-11-26","grants":[{"id":"vf","rule":"schengen-short-stay"}],"trips":[{"entry":"2026-01-10","exit":"2026-01-20"},{"entry":"2026-03-01","exit":"2026-03-15"},{"entry":"2026-05-01","exit":"2026-05-20"},{"entry":"2026-07-01","exit":"2026-07-10"},{"entry":"2026-09-01","exit":"2026-09-25"},{"entry":"2026-11-01"}]}]]
