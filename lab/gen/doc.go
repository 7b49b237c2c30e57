// Package gen generates realistic CDN access logs with known ground truth.
//
// The traffic model: customers Zipf-distributed, each with a web host and
// some of images, video, API and download hosts; objects per host
// Zipf-distributed with content types and sizes of their kind; eight
// regions with their PoPs, countries and ASNs, each following its own
// diurnal curve in local time; per-PoP round-trip and origin latencies and
// cache hit ratios; a status mix with 304s, ranges, 4xx and origin 5xx; and
// scripted incidents (a slow PoP, a customer's failing origin).
//
// Output is deterministic for a seed. While writing, gen counts what it
// wrote (the Truth: per customer and hour, per region, per incident), so a
// test can compare the pipeline's answers with it exactly.
package gen
