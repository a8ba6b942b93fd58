-- wrk script: rotate over a caseworker's children (one reference per line in $VAERN_KIDS) with a session cookie.
local kids = {}
local i = 0
function init(args)
  for line in io.lines(os.getenv("VAERN_KIDS")) do kids[#kids + 1] = line end
end
function request()
  i = i % #kids + 1
  return wrk.format("GET", "/boern/" .. kids[i], { ["Cookie"] = os.getenv("VAERN_COOKIE") })
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
