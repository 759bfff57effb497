// Preloaded into every variant's process (node --import): at exit, report the process's peak memory and
// CPU time on stderr, so the CLI, which prints its own output, is measured the same way as the scripts.
process.on('exit', () => {
  const u = process.resourceUsage()
  process.stderr.write(`\nBENCH_USAGE ${JSON.stringify({ maxRssKb: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })}\n`)
})
