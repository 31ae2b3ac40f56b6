// Loaded with `node --import`: reports the process's peak resident memory at exit,
// on stderr as one JSON line the benchmark reads.
process.on("exit", () => {
  process.stderr.write(`\n@@bench ${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
});
