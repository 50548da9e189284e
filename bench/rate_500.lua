-- wrk script: each connection waits between requests so that 8 connections make ~500 req/s
-- (wrk cannot pace requests by itself; wrk2 is not in Debian).
function delay()
  return 16
end
