-- wrk script: authenticated GETs with the bearer token in $VISACLOCK_TOKEN.
-- Usage: VISACLOCK_TOKEN=vct_… wrk -s scripts/wrk-auth.lua URL
wrk.headers["Authorization"] = "Bearer " .. os.getenv("VISACLOCK_TOKEN")
