-- wrk script for bench/ingest: each thread sends its share of the pre-signed requests in the data
-- file given after "--" (one "signature<TAB>body" per line), cycling when it runs out.
-- Arguments: DATA_FILE THREADS (the same number as wrk's -t).
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  local nthreads = tonumber(args[2])
  requests = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == tid then
      local tab = line:find("\t", 1, true)
      table.insert(requests, wrk.format("POST", nil,
        {["Content-Type"] = "application/json", ["X-Signature"] = line:sub(1, tab - 1)},
        line:sub(tab + 1)))
    end
    n = n + 1
  end
  index = 0
end

function request()
  index = index % #requests + 1
  return requests[index]
end
