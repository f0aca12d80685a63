// Preloaded (--import) into the command the bench times: reports the process's peak memory on stderr as it exits.
process.on('exit', () => process.stderr.write(`\n${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`));
