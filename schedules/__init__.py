"""The schedule table, the job runner (one subprocess per crawl) and the single-scheduler lock."""
