-- Demo prediction log for scripts/demo: a fraud model logging ~20 predictions a minute from 8 days
-- ago to 6 hours ahead (future rows come into the window as the clock moves). From 2 days ago the
-- traffic changes: amounts grow, Brazil appears, `income` goes missing more often, the model gets
-- less confident. device, session_length and merchant_category do not change; age neither, except
-- on the web (device 'web', a tenth of the traffic), whose users get 15 years older: a drift the
-- whole window barely shows and the device segments do. Labels (the true
-- outcome) are known for the predictions older than 10 minutes; the model's fraud_score separates
-- frauds less well in the drifted traffic, which the realised AUC shows. Since a day ago a challenger,
-- v2.2.0, scores every request in shadow (same request_id): its score separates frauds better, and
-- it predicts another class for about 5% of the requests. Two more tables follow: a web shop's
-- sessions (business metrics with a weekly dip and a real conversion drop) and a stalled feed.
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS public.predictions;
CREATE TABLE public.predictions (
  id            bigserial PRIMARY KEY,
  ts            timestamptz NOT NULL,
  model         text NOT NULL,
  model_version text NOT NULL,
  request_id    bigint NOT NULL,   -- the request; both versions score it in the shadow deployment
  amount        double precision,
  age           integer,
  country       text,
  device        text,
  features      jsonb,
  prediction    text,
  confidence    double precision,
  fraud_score   double precision,  -- the model's score of the fraud class
  label         text,              -- the true outcome, known 10 minutes after the prediction
  labelled_at   timestamptz,       -- when it became known
  latency_ms    double precision,  -- time to answer the request
  status        text               -- 'ok', or 'timeout' for the slowest requests
);
SELECT setseed(0.42);
INSERT INTO public.predictions
  (ts, model, model_version, request_id, amount, age, country, device, features, prediction,
   confidence, fraud_score, label, labelled_at, latency_ms, status)
SELECT ts, 'fraud', 'v2.1.0', extract(epoch FROM ts)::bigint,
       CASE WHEN drifted THEN exp(3.5 + 0.9 * z1) ELSE exp(3.0 + 0.8 * z1) END,
       CASE WHEN u5 < 0.01 THEN NULL
            ELSE round(40 + 12 * z2 + CASE WHEN drifted AND u2 >= 0.90 THEN 15 ELSE 0 END)::int END,
       CASE WHEN drifted THEN
              CASE WHEN u1 < 0.35 THEN 'US' WHEN u1 < 0.55 THEN 'DE' WHEN u1 < 0.70 THEN 'FR'
                   WHEN u1 < 0.80 THEN 'IN' ELSE 'BR' END
            ELSE
              CASE WHEN u1 < 0.50 THEN 'US' WHEN u1 < 0.70 THEN 'DE' WHEN u1 < 0.85 THEN 'FR'
                   ELSE 'IN' END END,
       CASE WHEN u2 < 0.45 THEN 'ios' WHEN u2 < 0.90 THEN 'android' ELSE 'web' END,
       jsonb_strip_nulls(jsonb_build_object(
         'session_length', round((exp(4 + 0.5 * z3))::numeric, 2),
         'merchant_category', CASE WHEN u3 < 0.4 THEN 'grocery' WHEN u3 < 0.7 THEN 'travel'
                                   WHEN u3 < 0.9 THEN 'electronics' ELSE 'other' END,
         'income', CASE WHEN u4 < (CASE WHEN drifted THEN 0.12 ELSE 0.01 END) THEN NULL
                        ELSE round((50000 + 15000 * z4)::numeric, 0) END)),
       CASE WHEN u6 < (CASE WHEN drifted THEN 0.08 ELSE 0.03 END) THEN 'fraud' ELSE 'legit' END,
       CASE WHEN drifted THEN 0.2 + 0.8 * sqrt(u7) ELSE 0.55 + 0.45 * sqrt(u7) END,
       -- the score separates frauds from the rest less well once the traffic has drifted
       CASE WHEN fraud THEN 1 - (CASE WHEN drifted THEN 0.8 ELSE 0.45 END) * u9
            ELSE (CASE WHEN drifted THEN 0.8 ELSE 0.45 END) * u9 END,
       CASE WHEN ts < now() - interval '10 minutes' THEN CASE WHEN fraud THEN 'fraud' ELSE 'legit' END END,
       CASE WHEN ts < now() - interval '10 minutes' THEN ts + interval '10 minutes' END,
       round((15 + 400 * u10 ^ 6)::numeric, 1),
       CASE WHEN u10 > 0.997 THEN 'timeout' ELSE 'ok' END
FROM (
  SELECT ts, ts > now() - interval '2 days' AS drifted,
         random() < (CASE WHEN ts > now() - interval '2 days' THEN 0.05 ELSE 0.03 END) AS fraud,
         random() AS u9, random() AS u10,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z3,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z4,
         random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5,
         random() AS u6, random() AS u7
  FROM generate_series(date_trunc('minute', now()) - interval '8 days',
                       date_trunc('minute', now()) + interval '6 hours',
                       interval '3 seconds') AS ts
) g;
-- The challenger in shadow: the same requests, a better score where the outcome is known (the
-- future rows, never labelled, keep the champion's score).
INSERT INTO public.predictions
  (ts, model, model_version, request_id, amount, age, country, device, features, prediction,
   confidence, fraud_score, label, labelled_at, latency_ms, status)
SELECT ts, model, 'v2.2.0', request_id, amount, age, country, device, features,
       CASE WHEN random() < 0.05 THEN CASE WHEN prediction = 'fraud' THEN 'legit' ELSE 'fraud' END
            ELSE prediction END,
       confidence,
       CASE WHEN label = 'fraud' THEN 1 - 0.55 * random() WHEN label = 'legit' THEN 0.55 * random()
            ELSE fraud_score END,
       label, labelled_at, latency_ms + 5, status
FROM public.predictions
WHERE model_version = 'v2.1.0' AND ts > now() - interval '1 day';
CREATE INDEX predictions_ts ON public.predictions USING brin (ts);
ANALYZE public.predictions;
SELECT count(*) AS demo_rows, min(ts) AS first, max(ts) AS last FROM public.predictions;

-- A web shop's sessions for the business metrics: one every 6 s from 29 days ago to 6 hours
-- ahead. Every week at this time of the week (from 4 hours ago to 6 hours ahead, the same hours of
-- the last four weeks too) is the usual dip: 60 % of the traffic, 3.5 % instead of 4.5 % of the
-- sessions convert. A day-over-day comparison sees that dip as a 40 % drop; the same hour of the
-- week does not. On top of it, since 3 hours ago checkout is broken for most: 1.5 % convert.
DROP TABLE IF EXISTS public.shop_sessions;
CREATE TABLE public.shop_sessions (
  ts        timestamptz NOT NULL,
  device    text,
  converted boolean,
  revenue   double precision  -- the order's value, NULL without an order
);
INSERT INTO public.shop_sessions (ts, device, converted, revenue)
SELECT ts, CASE WHEN u2 < 0.5 THEN 'ios' WHEN u2 < 0.9 THEN 'android' ELSE 'web' END,
       u1 < rate, CASE WHEN u1 < rate THEN round((20 + 60 * u3)::numeric, 2) END
FROM (
  SELECT ts, random() AS u1, random() AS u2, random() AS u3, random() AS keep,
         CASE WHEN ts > t0 - interval '3 hours' THEN 0.015 WHEN dip THEN 0.035 ELSE 0.045 END AS rate,
         dip
  FROM (
    SELECT ts, t0,
           mod(mod(extract(epoch FROM ts - t0)::bigint, 604800) + 604800, 604800)
             NOT BETWEEN 6 * 3600 AND 604800 - 4 * 3600 AS dip
    FROM (SELECT date_trunc('minute', now()) AS t0) n,
         generate_series(date_trunc('minute', now()) - interval '29 days',
                         date_trunc('minute', now()) + interval '6 hours', interval '6 seconds') AS ts
  ) w
) g
WHERE keep < CASE WHEN dip THEN 0.6 ELSE 1.0 END;
CREATE INDEX shop_sessions_ts ON public.shop_sessions USING brin (ts);
ANALYZE public.shop_sessions;

-- A payments feed that stalled 40 minutes ago: one row every 10 s until then, none since.
DROP TABLE IF EXISTS public.payments;
CREATE TABLE public.payments (ts timestamptz NOT NULL, amount double precision);
INSERT INTO public.payments (ts, amount)
SELECT ts, round((10 + 90 * random())::numeric, 2)
FROM generate_series(date_trunc('minute', now()) - interval '2 days',
                     date_trunc('minute', now()) - interval '40 minutes', interval '10 seconds') AS ts;
CREATE INDEX payments_ts ON public.payments (ts);
ANALYZE public.payments;
