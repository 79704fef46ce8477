-- One script for every operation: bench/run.py writes a data file per operation (method, path,
-- body and header templates, a pool of rows) and passes its path after `--`. Each thread takes
-- every nthreads-th row of the pool, so two threads never lock the same user, and fills `{name}`
-- placeholders from the row first, then from these per-thread values:
--   {n}      this thread's request counter (1, 2, ...): unique emails and changing names
--   {tid}    this thread's number
--   {run}    a tag unique to this wrk run, so reruns never collide with earlier POSTs
--   {active} "false" on the first pass over the pool, "true" on the second, ...: a suspend that
--            always changes something
-- Each row carries its company's `{token}` and `{origin}`, which the header templates take, so
-- consecutive requests come from different companies as the rows alternate between them.
-- bench/run.py fills the same templates the same way to count SQL queries per request.

dofile("report.lua")

local op, slice, n, vars

function init(args)
  op = dofile(args[1])
  slice = {}
  for i, row in ipairs(op.pool) do
    if (i - 1) % op.nthreads == tid - 1 then
      slice[#slice + 1] = row
    end
  end
  if #slice == 0 then
    slice[1] = {}
  end
  n = 0
  vars = { tid = tostring(tid), run = op.run }
  for k, v in pairs(op.vars or {}) do
    vars[k] = v
  end
end

local function fill(template, row)
  return (template:gsub("{(%w+)}", function(key)
    local value = row[key] or vars[key]
    return value and tostring(value)
  end))
end

function request()
  n = n + 1
  local row = slice[(n - 1) % #slice + 1]
  vars.n = tostring(n)
  vars.active = (math.floor((n - 1) / #slice) % 2 == 1) and "true" or "false"
  local body = op.body and fill(op.body, row) or nil
  local headers = {}
  for name, template in pairs(op.headers) do
    headers[name] = fill(template, row)
  end
  return wrk.format(op.method, fill(op.path, row), headers, body)
end
